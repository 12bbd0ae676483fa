//! The roster: who works in the department, in which role, under whom,
//! and what each role may do.

use super::{FieldError, Invalid, code_enum, text};
use serde::{Deserialize, Serialize};

code_enum! {
    /// A person's role in the department (SPEC §2).
    Role {
        Manager => "manager", "role.manager";
        Research => "research", "role.research";
        Brand => "brand", "role.brand";
        Activity => "activity", "role.activity";
        Crm => "crm", "role.crm";
        Hr => "hr", "role.hr";
    }
}

/// An action whose offer depends on the acting person's role.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Permission {
    ManageRoster,
    EditCustomers,
    EditFollowUps,
    /// Removing a customer removes their history too: the manager alone decides it.
    DeleteCustomers,
}

impl Role {
    pub fn may(self, p: Permission) -> bool {
        use Permission::*;
        match self {
            Role::Manager => true,
            Role::Crm => matches!(p, EditCustomers | EditFollowUps),
            // Everyone else reads the customer side; their own screens come with their areas.
            Role::Research | Role::Brand | Role::Activity | Role::Hr => false,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Employee {
    pub id: String,
    pub login: String,
    pub name: String,
    pub role: Role,
    pub supervisor_id: Option<String>,
    pub active: bool,
    pub version: i64,
    pub created_at: String,
    pub updated_at: String,
}

/// What a form or an import gives for a person.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct EmployeeInput {
    pub login: String,
    pub name: String,
    pub role: Option<Role>,
    pub supervisor_id: Option<String>,
}

impl EmployeeInput {
    pub fn validate(&self) -> Result<(String, String, Role), Invalid> {
        let mut errs = Vec::new();
        let login = text::clean(&self.login);
        let name = text::clean(&self.name);
        if login.is_empty() {
            errs.push(FieldError::new("login", "error.required"));
        } else if login.chars().any(char::is_whitespace) {
            errs.push(FieldError::new("login", "error.login_spaces"));
        }
        if name.is_empty() {
            errs.push(FieldError::new("name", "error.required"));
        }
        if self.role.is_none() {
            errs.push(FieldError::new("role", "error.required"));
        }
        match self.role {
            Some(role) if errs.is_empty() => Ok((login, name, role)),
            _ => Err(errs),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::Code;

    #[test]
    fn manager_may_all_crm_customers_only() {
        assert!(Role::Manager.may(Permission::ManageRoster));
        assert!(Role::Crm.may(Permission::EditFollowUps));
        assert!(!Role::Crm.may(Permission::ManageRoster));
        assert!(!Role::Research.may(Permission::EditCustomers));
    }

    #[test]
    fn login_needs_no_spaces() {
        let input = EmployeeInput {
            login: "wang wei".into(),
            name: "王偉".into(),
            role: Some(Role::Crm),
            supervisor_id: None,
        };
        assert_eq!(
            input.validate().unwrap_err(),
            vec![FieldError::new("login", "error.login_spaces")]
        );
        assert_eq!(Role::from_code("crm"), Some(Role::Crm));
    }
}
