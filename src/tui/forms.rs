//! Every form the screens open: what it is for (`FormKind`, kept in drafts), its fields, and
//! what saving it does. Validation errors go beside their fields; a refused save keeps the input.

use super::app::{App, Mode, Overlay, Pending};
use super::widgets::form::{Field, Form, Lookup};
use crate::domain::{
    Code, CustomerInput, EmployeeInput, FollowUpInput, FollowUpState, Method, Outcome,
    PurchaseInput, Role, Tier,
};
use crate::store::{StoreError, customer, employee, follow_up};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum FormKind {
    FirstRun,
    EmployeeNew,
    EmployeeEdit {
        id: String,
        version: i64,
    },
    CustomerNew,
    CustomerEdit {
        id: String,
        version: i64,
    },
    PurchaseNew {
        customer_id: String,
    },
    FollowUpNew,
    FollowUpEdit {
        id: String,
        version: i64,
    },
    FollowUpDone {
        id: String,
        version: i64,
    },
    FollowUpClose {
        id: String,
        version: i64,
        state: FollowUpState,
    },
    IssueNew {
        follow_up_id: String,
    },
    IssueClose {
        id: String,
        version: i64,
    },
}

impl FormKind {
    pub fn title_key(&self) -> &'static str {
        match self {
            FormKind::FirstRun => "form.first_run",
            FormKind::EmployeeNew => "form.employee_new",
            FormKind::EmployeeEdit { .. } => "form.employee_edit",
            FormKind::CustomerNew => "form.customer_new",
            FormKind::CustomerEdit { .. } => "form.customer_edit",
            FormKind::PurchaseNew { .. } => "form.purchase_new",
            FormKind::FollowUpNew => "form.follow_up_new",
            FormKind::FollowUpEdit { .. } => "form.follow_up_edit",
            FormKind::FollowUpDone { .. } => "form.follow_up_done",
            FormKind::FollowUpClose {
                state: FollowUpState::Cancelled,
                ..
            } => "form.follow_up_cancel",
            FormKind::FollowUpClose { .. } => "form.follow_up_missed",
            FormKind::IssueNew { .. } => "form.issue_new",
            FormKind::IssueClose { .. } => "form.issue_close",
        }
    }

    pub fn from_draft(d: &crate::store::draft::Draft) -> Option<FormKind> {
        serde_json::from_str(&d.form).ok()
    }

    fn record_id(&self) -> Option<&str> {
        match self {
            FormKind::EmployeeEdit { id, .. }
            | FormKind::CustomerEdit { id, .. }
            | FormKind::FollowUpEdit { id, .. }
            | FormKind::FollowUpDone { id, .. }
            | FormKind::FollowUpClose { id, .. }
            | FormKind::IssueClose { id, .. } => Some(id),
            FormKind::PurchaseNew { customer_id } => Some(customer_id),
            FormKind::IssueNew { follow_up_id } => Some(follow_up_id),
            _ => None,
        }
    }
}

fn options<T: Code>(app: &App) -> Vec<(String, String)> {
    T::ALL
        .iter()
        .map(|v| (v.code().to_string(), app.tr(v.label_key())))
        .collect()
}

fn pick_value(id: &str, label: &str) -> String {
    format!("{id}\u{1f}{label}")
}

/// A follow-up input as form values (for proposals and prefilled forms).
pub fn follow_up_values(app: &App, input: &FollowUpInput) -> BTreeMap<String, String> {
    let mut v = BTreeMap::new();
    if let Some(c) = &input.customer_id
        && let Ok(row) = customer::get(app.store.conn(), c)
    {
        v.insert(
            "customer".into(),
            pick_value(c, &format!("{} {}", row.customer.code, row.customer.name)),
        );
    }
    if let Some(o) = &input.owner_id {
        v.insert("owner".into(), pick_value(o, &app.employee_name(Some(o))));
    }
    if let Some(m) = input.method {
        v.insert("method".into(), m.code().into());
    }
    if let Some(d) = input.due_date {
        v.insert("due_date".into(), crate::domain::date::format(d));
    }
    v.insert("note".into(), input.note.clone());
    v
}

impl App {
    /// Opens a form of `kind`, filled from its record (for edits) and then from `values`.
    pub fn open_form(&mut self, kind: FormKind, values: &BTreeMap<String, String>) {
        match self.build_form(&kind) {
            Ok(mut form) => {
                form.set_values(values);
                self.form = Some((kind, form));
            }
            Err(e) => self.fail(e),
        }
    }

    fn build_form(&self, kind: &FormKind) -> Result<Form, StoreError> {
        let l = |k: &str| self.tr(&format!("field.{k}"));
        let conn = self.store.conn();
        let fields = match kind {
            FormKind::FirstRun => vec![
                Field::text("login", l("login"), &self.login).required(),
                Field::text("name", l("name"), "").required(),
            ],
            FormKind::EmployeeNew | FormKind::EmployeeEdit { .. } => {
                let e = match kind {
                    FormKind::EmployeeEdit { id, .. } => Some(employee::get(conn, id)?),
                    _ => None,
                };
                let sup = e
                    .as_ref()
                    .and_then(|e| e.supervisor_id.clone())
                    .map(|s| (s.clone(), self.employee_name(Some(&s))));
                let mut f = vec![
                    Field::text("login", l("login"), e.as_ref().map_or("", |e| &e.login))
                        .required(),
                    Field::text("name", l("name"), e.as_ref().map_or("", |e| &e.name)).required(),
                    Field::choice(
                        "role",
                        l("role"),
                        options::<Role>(self),
                        e.as_ref().map(|e| e.role.code()),
                    )
                    .required(),
                    Field::pick("supervisor", l("supervisor"), Lookup::Employee, sup),
                ];
                if let Some(e) = &e {
                    let yes_no = vec![
                        ("yes".into(), self.tr("people.active")),
                        ("no".into(), self.tr("people.inactive")),
                    ];
                    f.push(Field::choice(
                        "active",
                        l("active"),
                        yes_no,
                        Some(if e.active { "yes" } else { "no" }),
                    ));
                }
                f
            }
            FormKind::CustomerNew | FormKind::CustomerEdit { .. } => {
                let c = match kind {
                    FormKind::CustomerEdit { id, .. } => Some(customer::get(conn, id)?),
                    _ => None,
                };
                let cu = c.as_ref().map(|r| &r.customer);
                let s = |f: fn(&crate::domain::Customer) -> &str| {
                    cu.map_or(String::new(), |c| f(c).to_string())
                };
                let owner = c.as_ref().and_then(|r| {
                    r.customer
                        .owner_id
                        .clone()
                        .map(|o| (o, r.owner_name.clone().unwrap_or_default()))
                });
                vec![
                    Field::text("code", l("code"), &s(|c| &c.code)).required(),
                    Field::text("name", l("name"), &s(|c| &c.name)).required(),
                    Field::text("company", l("company"), &s(|c| &c.company)),
                    Field::choice(
                        "tier",
                        l("tier"),
                        options::<Tier>(self),
                        Some(cu.map_or("c", |c| c.tier.code())),
                    )
                    .required(),
                    Field::text("phone", l("phone"), &s(|c| &c.phone)),
                    Field::text("email", l("email"), &s(|c| &c.email)),
                    Field::text("tags", l("tags"), &s(|c| &c.tags)),
                    Field::pick("owner", l("owner"), Lookup::Employee, owner),
                    Field::text("source", l("source"), &s(|c| &c.source)),
                    Field::date("birthday", l("birthday"), cu.and_then(|c| c.birthday)),
                    Field::text("address", l("address"), &s(|c| &c.address)),
                    Field::multi("preferences", l("preferences"), &s(|c| &c.preferences)),
                    Field::multi("notes", l("notes"), &s(|c| &c.notes)),
                ]
            }
            FormKind::PurchaseNew { .. } => vec![
                Field::date("date", l("date"), Some(self.today)).required(),
                Field::text("product", l("product"), "").required(),
                Field::text("quantity", l("quantity"), "1").required(),
                Field::text("amount", l("amount"), "").required(),
            ],
            FormKind::FollowUpNew | FormKind::FollowUpEdit { .. } => {
                let row = match kind {
                    FormKind::FollowUpEdit { id, .. } => Some(follow_up::get(conn, id)?),
                    _ => None,
                };
                let v = row.as_ref().map(|r| &r.visit);
                let cust = row.as_ref().map(|r| {
                    (
                        r.visit.customer_id.clone(),
                        format!("{} {}", r.customer_code, r.customer_name),
                    )
                });
                let owner = row.as_ref().and_then(|r| {
                    r.visit
                        .owner_id
                        .clone()
                        .map(|o| (o, r.owner_name.clone().unwrap_or_default()))
                });
                let mut customer =
                    Field::pick("customer", l("customer"), Lookup::Customer, cust).required();
                if row.is_some() {
                    // A visit stays with its customer; only when, how and who change.
                    customer = customer.locked();
                }
                vec![
                    customer,
                    Field::choice(
                        "method",
                        l("method"),
                        options::<Method>(self),
                        v.map(|v| v.method.code()),
                    )
                    .required(),
                    Field::date("due_date", l("due_date"), v.map(|v| v.due_date)).required(),
                    Field::pick("owner", l("owner"), Lookup::Employee, owner),
                    Field::text("note", l("note"), v.map_or("", |v| &v.note)),
                ]
            }
            FormKind::FollowUpDone { .. } => {
                let stars: Vec<(String, String)> = (1..=5)
                    .map(|n: u8| (n.to_string(), format!("{n} {}", "★".repeat(n as usize))))
                    .collect();
                vec![
                    Field::date("done_date", l("done_date"), Some(self.today)).required(),
                    Field::choice("satisfaction", l("satisfaction"), stars, None).required(),
                    Field::multi("feedback", l("feedback"), "").required(),
                    Field::multi("issues_found", l("issues_found"), ""),
                ]
            }
            FormKind::FollowUpClose { .. } => vec![Field::text("note", l("reason"), "").required()],
            FormKind::IssueNew { .. } => vec![
                Field::text("description", l("description"), "").required(),
                Field::text("department", l("department"), "").required(),
            ],
            FormKind::IssueClose { .. } => {
                vec![Field::multi("resolution", l("resolution"), "").required()]
            }
        };
        Ok(Form::new(self.tr(kind.title_key()), fields, self.today))
    }

    /// Ctrl-S: validate, save in one transaction, or show why not beside the fields.
    pub fn submit_form(&mut self) {
        let Some((kind, mut form)) = self.form.take() else {
            return;
        };
        form.clear_errors();
        let lang = self.lang;
        let result = if form.check_required(lang) {
            self.save(&kind, &mut form)
        } else {
            Err(None)
        };
        match result {
            Ok(after) => {
                if let Some(id) = &form.draft_id {
                    let _ = self.store.discard_draft(id);
                }
                self.after_write();
                self.info(self.tr("status.saved"));
                self.reload();
                after(self);
            }
            Err(e) => {
                match e {
                    Some(StoreError::Invalid(errs)) => {
                        for fe in errs {
                            form.errors.insert(fe.field, lang.tr(fe.reason));
                        }
                    }
                    Some(StoreError::Duplicate { field }) => {
                        form.errors.insert(field, lang.tr("error.duplicate"));
                    }
                    Some(err @ (StoreError::Stale { .. } | StoreError::NotFound { .. })) => {
                        form.banner = Some(lang.tr(err.message_key()));
                    }
                    Some(err) => {
                        form.banner = Some(match &err {
                            StoreError::Sqlite(e) if crate::store::is_busy(e) => {
                                lang.tr("error.busy")
                            }
                            other => lang.render(&other.message()),
                        });
                    }
                    None => {}
                }
                if form.banner.is_none() && !form.errors.is_empty() {
                    form.banner = Some(lang.tr("error.fix_fields"));
                }
                form.focus_first_error();
                self.form = Some((kind, form));
            }
        }
    }

    /// Saves the form's record. Ok carries what to do next; Err(None) means errors are on the form.
    #[allow(clippy::type_complexity)]
    fn save(
        &mut self,
        kind: &FormKind,
        form: &mut Form,
    ) -> Result<Box<dyn FnOnce(&mut App)>, Option<StoreError>> {
        let lang = self.lang;
        let conn_err = |e: StoreError| Some(e);
        match kind {
            FormKind::FirstRun => {
                let input = EmployeeInput {
                    login: form.text("login"),
                    name: form.text("name"),
                    role: Some(Role::Manager),
                    supervisor_id: None,
                };
                self.store.set_actor(input.login.trim());
                let e = self.store.create_employee(&input).map_err(conn_err)?;
                Ok(Box::new(move |app: &mut App| {
                    app.me = Some(e);
                    app.start_work();
                    app.info(app.tr("first_run.done"));
                }))
            }
            FormKind::EmployeeNew | FormKind::EmployeeEdit { .. } => {
                let input = EmployeeInput {
                    login: form.text("login"),
                    name: form.text("name"),
                    role: form.choice("role").and_then(|c| Role::from_code(&c)),
                    supervisor_id: form.picked("supervisor"),
                };
                match kind {
                    FormKind::EmployeeEdit { id, version } => {
                        let mut old = employee::get(self.store.conn(), id).map_err(conn_err)?;
                        old.version = *version;
                        let active = form.choice("active").as_deref() != Some("no");
                        let saved = self
                            .store
                            .update_employee(&old, &input, active)
                            .map_err(conn_err)?;
                        Ok(Box::new(move |app: &mut App| {
                            if app.me.as_ref().is_some_and(|m| m.id == saved.id) {
                                app.me = Some(saved);
                            }
                        }))
                    }
                    _ => {
                        self.store.create_employee(&input).map_err(conn_err)?;
                        Ok(Box::new(|_| {}))
                    }
                }
            }
            FormKind::CustomerNew | FormKind::CustomerEdit { .. } => {
                let birthday = form.date("birthday", lang);
                let input = CustomerInput {
                    code: form.text("code"),
                    name: form.text("name"),
                    company: form.text("company"),
                    tier: form.choice("tier").and_then(|c| Tier::from_code(&c)),
                    tags: form.text("tags"),
                    phone: form.text("phone"),
                    email: form.text("email"),
                    address: form.text("address"),
                    birthday,
                    preferences: form.text("preferences"),
                    source: form.text("source"),
                    owner_id: form.picked("owner"),
                    notes: form.text("notes"),
                };
                if !form.errors.is_empty() {
                    // Report the date with the other fields' problems in one go.
                    if let Err(errs) = input.validate() {
                        for fe in errs {
                            form.errors.insert(fe.field, lang.tr(fe.reason));
                        }
                    }
                    return Err(None);
                }
                let saved = match kind {
                    FormKind::CustomerEdit { id, version } => {
                        let mut old = customer::get(self.store.conn(), id)
                            .map_err(conn_err)?
                            .customer;
                        old.version = *version;
                        self.store.update_customer(&old, &input).map_err(conn_err)?
                    }
                    _ => self.store.create_customer(&input).map_err(conn_err)?,
                };
                Ok(Box::new(move |app: &mut App| {
                    if app.customers.detail.is_none() {
                        app.open_customer(&saved.id);
                    }
                }))
            }
            FormKind::PurchaseNew { customer_id } => {
                let input = PurchaseInput {
                    date: form.date("date", lang),
                    product: form.text("product"),
                    quantity: form.text("quantity"),
                    amount: form.text("amount"),
                };
                if !form.errors.is_empty() {
                    return Err(None);
                }
                self.store
                    .add_purchase(customer_id, &input)
                    .map_err(conn_err)?;
                Ok(Box::new(|_| {}))
            }
            FormKind::FollowUpNew | FormKind::FollowUpEdit { .. } => {
                let input = FollowUpInput {
                    customer_id: form.picked("customer"),
                    owner_id: form.picked("owner"),
                    method: form.choice("method").and_then(|c| Method::from_code(&c)),
                    due_date: form.date("due_date", lang),
                    note: form.text("note"),
                };
                if !form.errors.is_empty() {
                    return Err(None);
                }
                match kind {
                    FormKind::FollowUpEdit { id, version } => {
                        let mut old = follow_up::get(self.store.conn(), id)
                            .map_err(conn_err)?
                            .visit;
                        old.version = *version;
                        self.store
                            .update_follow_up(&old, &input)
                            .map_err(conn_err)?;
                    }
                    _ => {
                        self.store.schedule_follow_up(&input).map_err(conn_err)?;
                    }
                }
                Ok(Box::new(|app: &mut App| {
                    app.info(app.tr("status.scheduled"))
                }))
            }
            FormKind::FollowUpDone { id, version } => {
                let outcome = Outcome {
                    done_date: form.date("done_date", lang),
                    satisfaction: form.choice("satisfaction").and_then(|s| s.parse().ok()),
                    feedback: form.text("feedback"),
                    issues_found: form.text("issues_found"),
                };
                if !form.errors.is_empty() {
                    return Err(None);
                }
                let mut old = follow_up::get(self.store.conn(), id)
                    .map_err(conn_err)?
                    .visit;
                old.version = *version;
                let (_, next) = self
                    .store
                    .complete_follow_up(&old, &outcome, self.today, &self.cadence)
                    .map_err(conn_err)?;
                Ok(Box::new(move |app: &mut App| {
                    let Some(due) = next.due_date else { return };
                    let msg = app.tr_with(
                        "confirm.schedule_next",
                        &[("date", &crate::domain::date::format(due))],
                    );
                    app.overlay = Some(Overlay::Confirm(msg, Pending::ScheduleNext(next)));
                }))
            }
            FormKind::FollowUpClose { id, version, state } => {
                let mut old = follow_up::get(self.store.conn(), id)
                    .map_err(conn_err)?
                    .visit;
                old.version = *version;
                self.store
                    .close_follow_up(&old, *state, &form.text("note"))
                    .map_err(conn_err)?;
                Ok(Box::new(|_| {}))
            }
            FormKind::IssueNew { follow_up_id } => {
                self.store
                    .hand_over_issue(
                        follow_up_id,
                        &form.text("description"),
                        &form.text("department"),
                    )
                    .map_err(conn_err)?;
                Ok(Box::new(|_| {}))
            }
            FormKind::IssueClose { id, version } => {
                let mut old = follow_up::issue(self.store.conn(), id).map_err(conn_err)?;
                old.version = *version;
                self.store
                    .close_issue(&old, &form.text("resolution"), self.today)
                    .map_err(conn_err)?;
                Ok(Box::new(|_| {}))
            }
        }
    }

    /// The open form's unsaved input, for the hang-up watchdog to save if the loop cannot.
    pub fn draft_snapshot(&self) -> Option<super::hangup::Snapshot> {
        let (kind, form) = self
            .form
            .as_ref()
            .filter(|(_, f)| f.dirty && self.mode == Mode::Work)?;
        Some(super::hangup::Snapshot {
            db: self.store.path()?.to_path_buf(),
            actor: self.store.actor().to_string(),
            form: serde_json::to_string(kind).ok()?,
            record_id: kind.record_id().map(str::to_string),
            fields: serde_json::to_string(&form.values()).ok()?,
        })
    }

    /// Keeps the open form's input as a draft (the terminal is going away, or a periodic save).
    pub fn save_draft(&mut self) {
        if self.mode != Mode::Work {
            return;
        }
        let Some((kind, form)) = &self.form else {
            return;
        };
        if !form.dirty {
            return;
        }
        let (Ok(kind_json), Ok(values)) = (
            serde_json::to_string(kind),
            serde_json::to_string(&form.values()),
        ) else {
            return;
        };
        let record = kind.record_id().map(str::to_string);
        let _ = self
            .store
            .save_draft(&kind_json, record.as_deref(), &values);
    }

    /// The periodic draft: only when the input changed since the last one.
    pub fn save_draft_if_changed(&mut self) {
        let values = self
            .form
            .as_ref()
            .filter(|(_, f)| f.dirty)
            .map(|(_, f)| f.values());
        if values.is_some() && values != self.last_draft {
            self.save_draft();
            self.last_draft = values;
        }
    }

    pub fn restore_draft(&mut self, d: crate::store::draft::Draft) {
        let kind = FormKind::from_draft(&d);
        let values: Option<BTreeMap<String, String>> = serde_json::from_str(&d.fields).ok();
        match (kind, values) {
            (Some(kind), Some(values)) => {
                self.open_form(kind, &values);
                if let Some((_, f)) = &mut self.form {
                    f.dirty = true;
                    f.draft_id = Some(d.id);
                }
            }
            _ => {
                let _ = self.store.discard_draft(&d.id);
            }
        }
    }
}
