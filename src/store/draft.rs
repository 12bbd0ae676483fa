//! Drafts: a form's unsaved input, written when the terminal goes away and offered back on
//! the next start. Not department records: they are neither exported nor audited.

use super::{Result, Store};
use rusqlite::{Connection, OptionalExtension, params};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Draft {
    pub id: String,
    pub login: String,
    /// Which form: its kind and, for an edit, the record and the version it was opened at.
    pub form: String,
    pub record_id: Option<String>,
    /// The form's fields as JSON.
    pub fields: String,
    pub saved_at: String,
}

impl Store {
    /// Keeps one draft per person and form, replacing the previous one.
    pub fn save_draft(&mut self, form: &str, record_id: Option<&str>, fields: &str) -> Result<()> {
        self.write(|tx, ctx| {
            tx.execute(
                "DELETE FROM draft WHERE login = ?1 AND form = ?2 AND record_id IS ?3",
                params![ctx.actor, form, record_id],
            )?;
            tx.execute(
                "INSERT INTO draft (id, login, form, record_id, fields, saved_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                params![crate::domain::new_id(), ctx.actor, form, record_id, fields, ctx.now],
            )?;
            Ok(())
        })
    }

    pub fn discard_draft(&mut self, id: &str) -> Result<()> {
        self.write(|tx, _| {
            tx.execute("DELETE FROM draft WHERE id = ?1", [id])?;
            Ok(())
        })
    }
}

/// The newest draft of this person, if any.
pub fn latest(conn: &Connection, login: &str) -> Result<Option<Draft>> {
    Ok(conn
        .query_row(
            "SELECT id, login, form, record_id, fields, saved_at FROM draft WHERE login = ?1
             ORDER BY saved_at DESC LIMIT 1",
            [login],
            |r| {
                Ok(Draft {
                    id: r.get(0)?,
                    login: r.get(1)?,
                    form: r.get(2)?,
                    record_id: r.get(3)?,
                    fields: r.get(4)?,
                    saved_at: r.get(5)?,
                })
            },
        )
        .optional()?)
}
