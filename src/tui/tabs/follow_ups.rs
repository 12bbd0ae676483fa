//! The Follow-ups screen (客戶回訪): planned visits overdue-first (or every visit), mine or
//! everyone's, filtered by customer; one visit with its outcome and the issues it raised.

use super::{Filter, MOVES, Tab, move_in};
use crate::domain::{Code, FollowUp, FollowUpIssue, FollowUpState, IssueState, Permission, date};
use crate::store::follow_up::{self, FollowUpRow, IssueRow, Scope};
use crate::store::{Result, StoreError};
use crate::tui::action::Action;
use crate::tui::app::{App, MenuFor, Overlay};
use crate::tui::forms::FormKind;
use crate::tui::widgets::paged::Paged;
use crate::tui::widgets::picker::{PickItem, Picker};
use crate::tui::widgets::table::{self, Column, Row};
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};

use std::collections::BTreeMap;

#[derive(Default)]
pub struct FollowUps {
    pub list: Paged<FollowUpRow>,
    pub filter: Filter,
    /// Every visit, newest first, instead of the planned ones, overdue first.
    pub all: bool,
    pub mine: bool,
    pub detail: Option<VisitDetail>,
    /// The visits the list shows, as last counted.
    scope: Scope,
    /// The issues handed to departments instead of the visits, to track them to closed.
    pub issues_view: bool,
    /// Closed issues too, not only the open ones.
    pub all_issues: bool,
    pub issue_list: Paged<IssueRow>,
}

pub struct VisitDetail {
    pub row: FollowUpRow,
    pub issues: Vec<FollowUpIssue>,
    pub selected: usize,
    /// Where Esc goes back to.
    pub back_to: Option<Tab>,
}

impl FollowUps {
    pub fn in_detail(&self) -> bool {
        self.detail.is_some()
    }
}

impl App {
    pub fn follow_ups_offers(&self) -> Vec<Action> {
        let edit = self.may(Permission::EditFollowUps);
        let mut v = Vec::new();
        match &self.follow_ups.detail {
            Some(d) => {
                v.extend_from_slice(MOVES);
                let planned = d.row.visit.state == FollowUpState::Planned;
                if edit && planned {
                    v.extend([Action::Edit, Action::Advance, Action::Delete]);
                }
                if edit {
                    v.push(Action::HandOverIssue);
                }
                if edit
                    && d.issues
                        .get(d.selected)
                        .is_some_and(|i| i.state == IssueState::Open)
                {
                    v.push(Action::CloseIssue);
                }
                v.push(Action::Open);
                v.push(Action::Back);
            }
            None if self.follow_ups.issues_view => {
                v.extend_from_slice(MOVES);
                if let Some(r) = self.follow_ups.issue_list.selected_row() {
                    v.push(Action::Open);
                    if edit && r.issue.state == IssueState::Open {
                        v.push(Action::CloseIssue);
                    }
                }
                v.extend([Action::ToggleOpen, Action::ToggleIssues]);
            }
            None => {
                v.extend_from_slice(MOVES);
                let sel = self.follow_ups.list.selected_row();
                if sel.is_some() {
                    v.push(Action::Open);
                }
                if edit && sel.is_some_and(|r| r.visit.state == FollowUpState::Planned) {
                    v.extend([Action::Advance, Action::Edit, Action::Delete]);
                }
                if edit {
                    v.push(Action::New);
                }
                v.extend([
                    Action::Filter,
                    Action::ToggleOpen,
                    Action::ToggleMine,
                    Action::ToggleIssues,
                ]);
                if !self.follow_ups.filter.text.is_empty() {
                    v.push(Action::Back);
                }
            }
        }
        v
    }

    pub fn follow_ups_act(&mut self, action: Action) {
        if self.follow_ups.detail.is_some() {
            self.visit_detail_act(action);
            return;
        }
        if self.follow_ups.issues_view {
            self.issues_act(action);
            return;
        }
        let selected = self.follow_ups.list.selected_row().map(|r| r.visit.clone());
        match action {
            a if MOVES.contains(&a) && move_in(&mut self.follow_ups.list, a) => {
                if let Err(e) = self.follow_ups_fetch() {
                    self.fail(e);
                }
            }
            a if MOVES.contains(&a) => {}
            Action::Open => {
                if let Some(v) = selected {
                    self.open_visit(&v.id, Some(Tab::FollowUps));
                }
            }
            Action::Advance => {
                if let Some(v) = selected {
                    self.visit_menu(v);
                }
            }
            Action::Edit => {
                if let Some(v) = selected {
                    self.open_form(
                        FormKind::FollowUpEdit {
                            id: v.id,
                            version: v.version,
                        },
                        &BTreeMap::new(),
                    );
                }
            }
            Action::New => self.new_visit(),
            Action::Delete => {
                if let Some(v) = selected {
                    self.cancel_visit(v);
                }
            }
            Action::Filter => self.start_filter(),
            Action::ToggleOpen => {
                self.follow_ups.all = !self.follow_ups.all;
                self.follow_ups.list.selected = 0;
                self.reload();
            }
            Action::ToggleIssues => {
                self.follow_ups.issues_view = true;
                self.reload();
            }
            Action::ToggleMine => {
                self.follow_ups.mine = !self.follow_ups.mine;
                self.follow_ups.list.selected = 0;
                self.reload();
            }
            Action::Back => {
                self.follow_ups.filter.text.clear();
                self.reload();
            }
            _ => {}
        }
    }

    fn issues_act(&mut self, action: Action) {
        let f = &mut self.follow_ups;
        let selected = f.issue_list.selected_row().map(|r| r.issue.clone());
        match action {
            a if MOVES.contains(&a) && move_in(&mut f.issue_list, a) => {
                if let Err(e) = self.issues_fetch() {
                    self.fail(e);
                }
            }
            Action::Open => {
                if let Some(i) = selected {
                    self.open_visit(&i.follow_up_id, Some(Tab::FollowUps));
                }
            }
            Action::CloseIssue => {
                if let Some(i) = selected {
                    self.open_form(
                        FormKind::IssueClose {
                            id: i.id,
                            version: i.version,
                        },
                        &BTreeMap::new(),
                    );
                }
            }
            Action::ToggleOpen => {
                f.all_issues = !f.all_issues;
                f.issue_list.selected = 0;
                self.reload();
            }
            Action::ToggleIssues => {
                f.issues_view = false;
                self.reload();
            }
            _ => {}
        }
    }

    fn issues_fetch(&mut self) -> Result<()> {
        let (conn, f) = (self.store.conn(), &mut self.follow_ups);
        let open_only = !f.all_issues;
        let total = f.issue_list.total;
        f.issue_list.reload(total, |off, lim| {
            follow_up::issue_page(conn, open_only, off, lim)
        })
    }

    pub fn new_visit(&mut self) {
        let input = crate::domain::FollowUpInput {
            owner_id: self.my_id(),
            due_date: Some(self.today),
            method: Some(crate::domain::Method::Phone),
            ..Default::default()
        };
        self.open_form(
            FormKind::FollowUpNew,
            &crate::tui::forms::follow_up_values(self, &input),
        );
    }

    /// `d` on a planned visit: cancel it, with a reason (the record stays, as cancelled).
    fn cancel_visit(&mut self, v: FollowUp) {
        let kind = FormKind::FollowUpClose {
            id: v.id,
            version: v.version,
            state: FollowUpState::Cancelled,
        };
        self.open_form(kind, &BTreeMap::new());
    }

    /// `s` on a planned visit: done, missed or cancelled.
    pub fn visit_menu(&mut self, v: FollowUp) {
        let items = v
            .state
            .next()
            .iter()
            .map(|s| PickItem::new(s.code(), self.tr(&format!("visit_menu.{}", s.code()))))
            .collect();
        self.overlay = Some(Overlay::Menu(
            Picker::new(self.tr("visit_menu.title"), items),
            MenuFor::Visit(Box::new(v)),
        ));
    }

    pub fn menu_chosen(&mut self, target: MenuFor, choice: &str) {
        let v = match target {
            MenuFor::Visit(v) => *v,
            MenuFor::Segment => return self.segment_chosen(choice),
        };
        match FollowUpState::from_code(choice) {
            Some(FollowUpState::Done) => {
                let values = BTreeMap::from([("done_date".to_string(), date::format(self.today))]);
                self.open_form(
                    FormKind::FollowUpDone {
                        id: v.id,
                        version: v.version,
                    },
                    &values,
                );
            }
            Some(state @ (FollowUpState::Missed | FollowUpState::Cancelled)) => {
                self.open_form(
                    FormKind::FollowUpClose {
                        id: v.id,
                        version: v.version,
                        state,
                    },
                    &BTreeMap::new(),
                );
            }
            _ => {}
        }
    }

    pub fn open_visit(&mut self, id: &str, back_to: Option<Tab>) {
        match load_visit(self, id, 0) {
            Ok(mut d) => {
                d.back_to = back_to;
                self.tab = Tab::FollowUps;
                self.follow_ups.detail = Some(d);
            }
            Err(e) => self.fail(e),
        }
    }

    fn visit_detail_act(&mut self, action: Action) {
        let Some(d) = &mut self.follow_ups.detail else {
            return;
        };
        let v = d.row.visit.clone();
        let issue = d.issues.get(d.selected).cloned();
        match action {
            Action::Up => d.selected = d.selected.saturating_sub(1),
            Action::Down => d.selected = (d.selected + 1).min(d.issues.len().saturating_sub(1)),
            Action::PageUp | Action::Top => d.selected = 0,
            Action::PageDown | Action::Bottom => d.selected = d.issues.len().saturating_sub(1),
            Action::Back => {
                let back = d.back_to;
                self.follow_ups.detail = None;
                if let Some(t) = back.filter(|t| *t != Tab::FollowUps) {
                    self.go(t);
                } else {
                    self.reload();
                }
            }
            Action::Edit => self.open_form(
                FormKind::FollowUpEdit {
                    id: v.id,
                    version: v.version,
                },
                &BTreeMap::new(),
            ),
            Action::Advance => self.visit_menu(v),
            Action::Delete => self.cancel_visit(v),
            Action::HandOverIssue => {
                let first = v.issues_found.lines().next().unwrap_or("").to_string();
                self.open_form(
                    FormKind::IssueNew { follow_up_id: v.id },
                    &BTreeMap::from([("description".to_string(), first)]),
                );
            }
            Action::CloseIssue => {
                if let Some(i) = issue {
                    self.open_form(
                        FormKind::IssueClose {
                            id: i.id,
                            version: i.version,
                        },
                        &BTreeMap::new(),
                    );
                }
            }
            Action::Open => {
                self.follow_ups.detail = None;
                self.open_customer(&v.customer_id);
            }
            _ => {}
        }
    }

    fn scope(&mut self) -> Scope {
        let mut scope = Scope {
            open_only: !self.follow_ups.all,
            owner_id: if self.follow_ups.mine {
                self.my_id()
            } else {
                None
            },
            ..Default::default()
        };
        let q = self.follow_ups.filter.text.trim().to_string();
        if !q.is_empty() {
            match self.match_rowids(&q) {
                Some(ids) => scope.customer_rowids = Some(ids),
                None => scope.customer_like = Some(q),
            }
        }
        scope
    }

    pub fn follow_ups_reload(&mut self) -> Result<()> {
        if let Some(d) = &self.follow_ups.detail {
            let (id, sel, back) = (d.row.visit.id.clone(), d.selected, d.back_to);
            match load_visit(self, &id, sel) {
                Ok(mut d) => {
                    d.back_to = back;
                    self.follow_ups.detail = Some(d);
                }
                Err(StoreError::NotFound { .. }) => self.follow_ups.detail = None,
                Err(e) => return Err(e),
            }
        }
        if self.follow_ups.issues_view {
            self.follow_ups.issue_list.total =
                follow_up::issue_count(self.store.conn(), !self.follow_ups.all_issues)?;
            return self.issues_fetch();
        }
        let scope = self.scope();
        self.follow_ups.list.total = follow_up::count(self.store.conn(), &scope)?;
        self.follow_ups.scope = scope;
        self.follow_ups_fetch()
    }

    /// Reads the rows around the selection, for the scope and total already counted.
    pub fn follow_ups_fetch(&mut self) -> Result<()> {
        let (conn, f) = (self.store.conn(), &mut self.follow_ups);
        let total = f.list.total;
        let scope = &f.scope;
        f.list.reload(total, |off, lim| {
            follow_up::page(conn, scope, off, lim, Some(total))
        })
    }

    pub fn follow_ups_draw(&self, frame: &mut Frame, area: Rect) {
        if let Some(d) = &self.follow_ups.detail {
            self.visit_detail_draw(frame, area, d);
            return;
        }
        if self.follow_ups.issues_view {
            self.issues_draw(frame, area);
            return;
        }
        let list = &self.follow_ups.list;
        let which = if self.follow_ups.all {
            "follow_ups.all"
        } else {
            "follow_ups.open"
        };
        let whose = if self.follow_ups.mine {
            "follow_ups.mine"
        } else {
            "follow_ups.everyone"
        };
        let title = format!(" {} · {} · {} ", self.tr(which), self.tr(whose), list.total);
        let empty = if self.follow_ups.filter.text.is_empty() {
            "follow_ups.empty"
        } else {
            "filter.none"
        };
        let Some(inner) = self.list_box(frame, area, title, list.total, empty) else {
            return;
        };
        let (_, rows, sel) = list.visible(inner.height.saturating_sub(1) as usize);
        self.visit_table(frame, inner, rows, sel, true);
    }

    /// The issues handed to departments, open ones first, oldest first: what is still owed.
    fn issues_draw(&self, frame: &mut Frame, area: Rect) {
        let list = &self.follow_ups.issue_list;
        let which = if self.follow_ups.all_issues {
            "issues.all"
        } else {
            "issues.open"
        };
        let title = format!(" {} · {} ", self.tr(which), list.total);
        let Some(inner) = self.list_box(frame, area, title, list.total, "issues.empty") else {
            return;
        };
        let cols = [
            Column::new(self.tr("issues.found_on"), 10, 10),
            Column::new(self.tr("field.department"), 10, 6),
            Column::new(self.tr("field.description"), 20, 8),
            Column::new(self.tr("field.customer"), 14, 0),
            Column::new(self.tr("field.owner"), 8, 0),
            Column::new(self.tr("field.state"), 6, 6),
            Column::new(self.tr("field.resolution"), 14, 0),
        ];
        let (_, rows, sel) = list.visible(inner.height.saturating_sub(1) as usize);
        let rows: Vec<Row> = rows
            .iter()
            .map(|r| {
                let i = &r.issue;
                Row {
                    cells: vec![
                        date::format(r.found_on),
                        i.department.clone(),
                        i.description.clone(),
                        format!("{} {}", r.customer_name, r.customer_code),
                        r.owner_name.clone().unwrap_or_default(),
                        self.tr(i.state.label_key()),
                        i.resolution.clone(),
                    ],
                    style: if i.state == IssueState::Open {
                        self.theme.urgency(crate::domain::Urgency::Today)
                    } else {
                        self.theme.dim()
                    },
                }
            })
            .collect();
        table::draw(frame, inner, &self.theme, &cols, &rows, sel);
    }

    fn visit_detail_draw(&self, frame: &mut Frame, area: Rect, d: &VisitDetail) {
        let v = &d.row.visit;
        let title = format!(
            " {} · {} {} ",
            self.tr("follow_ups.visit"),
            d.row.customer_code,
            d.row.customer_name
        );
        let inner = self.framed(frame, area, Span::styled(title, self.theme.label()));
        let kv = |k: &str, val: String| {
            Line::from(vec![
                Span::styled(self.label(k), self.theme.label()),
                Span::raw(val),
            ])
        };
        let urgency = v.urgency(self.today);
        let mut lines = vec![
            Line::from(vec![
                Span::styled(self.label("field.state"), self.theme.label()),
                Span::styled(self.tr(v.state.label_key()), self.theme.urgency(urgency)),
                Span::raw("   "),
                Span::styled(self.label("field.due_date"), self.theme.label()),
                Span::styled(date::format(v.due_date), self.theme.urgency(urgency)),
            ]),
            kv("field.method", self.tr(v.method.label_key())),
            kv("field.owner", d.row.owner_name.clone().unwrap_or_default()),
        ];
        if let Some(done) = v.done_date {
            lines.push(kv("field.done_date", date::format(done)));
            lines.push(kv(
                "field.satisfaction",
                v.satisfaction
                    .map(|s| format!("{} {s}/5", "★".repeat(s as usize)))
                    .unwrap_or_default(),
            ));
            lines.push(kv("field.feedback", v.feedback.clone()));
            if !v.issues_found.is_empty() {
                lines.push(kv("field.issues_found", v.issues_found.clone()));
            }
        }
        if !v.note.is_empty() {
            lines.push(kv("field.note", v.note.clone()));
        }
        lines.push(Line::from(""));
        let title = self.tr_with(
            "follow_ups.issues",
            &[("count", &d.issues.len().to_string())],
        );
        let Some(rest) = self.head_and_section(frame, inner, lines, true, title) else {
            return;
        };
        let cols = [
            Column::new(self.tr("field.department"), 10, 6),
            Column::new(self.tr("field.description"), 24, 8),
            Column::new(self.tr("field.state"), 6, 4),
            Column::new(self.tr("field.resolution"), 20, 0),
        ];
        let rows: Vec<Row> = d
            .issues
            .iter()
            .map(|i| Row {
                cells: vec![
                    i.department.clone(),
                    i.description.clone(),
                    self.tr(i.state.label_key()),
                    i.resolution.clone(),
                ],
                style: if i.state == IssueState::Open {
                    self.theme.urgency(crate::domain::Urgency::Today)
                } else {
                    Style::default()
                },
            })
            .collect();
        let sel = if rows.is_empty() {
            None
        } else {
            Some(d.selected)
        };
        table::draw(frame, rest, &self.theme, &cols, &rows, sel);
    }
}

fn load_visit(app: &App, id: &str, selected: usize) -> Result<VisitDetail> {
    let row = follow_up::get(app.store.conn(), id)?;
    let issues = follow_up::issues(app.store.conn(), id)?;
    let selected = selected.min(issues.len().saturating_sub(1));
    Ok(VisitDetail {
        row,
        issues,
        selected,
        back_to: None,
    })
}
