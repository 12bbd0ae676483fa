//! The numbered migrations in `migrations/`, applied in order; the schema version is
//! SQLite's `user_version`.

use rusqlite_migration::{M, Migrations};

const STEPS: &[M<'static>] = &[M::up(include_str!("../../migrations/001_foundation.sql"))];

pub fn migrations() -> Migrations<'static> {
    Migrations::from_slice(STEPS)
}

/// The schema version this program writes.
pub const LATEST: i64 = STEPS.len() as i64;

#[cfg(test)]
mod tests {
    #[test]
    fn migrations_validate() {
        super::migrations().validate().unwrap();
    }
}
