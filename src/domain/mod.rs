//! The department's records and rules, one file per area; no I/O, no terminal.
//! Every rule here is tested without a database or a screen.

pub mod customer;
pub mod date;
pub mod employee;
pub mod follow_up;
pub mod text;

pub use customer::{Classification, Customer, CustomerInput, Purchase, PurchaseInput, Tier};
pub use employee::{Employee, EmployeeInput, Permission, Role};
pub use follow_up::{
    Cadence, FollowUp, FollowUpInput, FollowUpIssue, FollowUpState, IssueState, Method, Outcome,
    Urgency,
};

/// A field that failed validation: which field, and the locale key that says why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldError {
    pub field: &'static str,
    pub reason: &'static str,
}

impl FieldError {
    pub fn new(field: &'static str, reason: &'static str) -> Self {
        Self { field, reason }
    }
}

/// All the fields of one input that failed, so a form can show each beside its field.
pub type Invalid = Vec<FieldError>;

/// A new stable unique id: a UUID v7, time-ordered so merged copies sort sensibly.
pub fn new_id() -> String {
    uuid::Uuid::now_v7().to_string()
}

/// A choice stored as a short code: the enums of the department's states and kinds.
pub trait Code: Sized + Copy + 'static {
    const ALL: &'static [Self];
    fn code(self) -> &'static str;
    /// The locale key of its label.
    fn label_key(self) -> &'static str;
    fn from_code(code: &str) -> Option<Self> {
        Self::ALL.iter().copied().find(|v| v.code() == code)
    }
}

/// Declares a `Code` enum: variant, stored code, locale key.
macro_rules! code_enum {
    ($(#[$m:meta])* $name:ident { $($variant:ident => $code:literal, $key:literal;)+ }) => {
        $(#[$m])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
        pub enum $name { $(#[serde(rename = $code)] $variant,)+ }
        impl $crate::domain::Code for $name {
            const ALL: &'static [Self] = &[$(Self::$variant,)+];
            fn code(self) -> &'static str { match self { $(Self::$variant => $code,)+ } }
            fn label_key(self) -> &'static str { match self { $(Self::$variant => $key,)+ } }
        }
    };
}
pub(crate) use code_enum;
