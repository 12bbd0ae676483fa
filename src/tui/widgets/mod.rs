//! The building blocks every screen shares: paged lists, tables, forms, pickers, text fitting.

pub mod form;
pub mod paged;
pub mod picker;
pub mod table;
pub mod text;
