//! The Customers screen (客戶): the paged, live-filtered list, and one customer's record
//! with purchases and follow-up visits.

use super::{Filter, MOVES, Tab, move_in};
use crate::domain::customer::format_money;
use crate::domain::{Code, Permission, Purchase, date};
use crate::store::customer::{self, CustomerRow};
use crate::store::follow_up::{self, FollowUpRow, Scope};
use crate::store::segment::{self, Segment};
use crate::store::{Result, StoreError};
use crate::tui::action::Action;
use crate::tui::app::{App, MenuFor, Overlay, Pending};
use crate::tui::forms::FormKind;
use crate::tui::widgets::paged::Paged;
use crate::tui::widgets::picker::{PickItem, Picker};
use crate::tui::widgets::table::{self, Column, Row};
use crate::tui::widgets::text::fit;
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};

use std::collections::BTreeMap;

#[derive(Default)]
pub struct Customers {
    pub list: Paged<CustomerRow>,
    pub filter: Filter,
    /// Which customers: everyone, or a segment for finding potential customers.
    pub segment: Segment,
    /// The segment's rowids, computed once per segment and change of the data (generation).
    segment_ids: Option<(Segment, u64, Vec<i64>)>,
    /// The rowids the list shows, in list order, when filtered or segmented; None: all.
    shown: Option<Vec<i64>>,
    pub detail: Option<Detail>,
}

pub struct Detail {
    pub row: CustomerRow,
    pub purchases: Vec<Purchase>,
    pub visits: Vec<FollowUpRow>,
    pub selected: usize,
}

impl Customers {
    pub fn in_detail(&self) -> bool {
        self.detail.is_some()
    }
}

impl App {
    pub fn customers_offers(&self) -> Vec<Action> {
        let edit = self.may(Permission::EditCustomers);
        let mut v = Vec::new();
        match &self.customers.detail {
            Some(d) => {
                v.extend_from_slice(MOVES);
                if edit {
                    v.extend([Action::Edit, Action::New, Action::AddPurchase]);
                }
                if let Some(visit) = d.visits.get(d.selected) {
                    v.push(Action::Open);
                    if edit && !visit.visit.state.next().is_empty() {
                        v.push(Action::Advance);
                    }
                }
                if self.may(Permission::DeleteCustomers) {
                    v.push(Action::Delete);
                }
                v.push(Action::Back);
            }
            None => {
                v.extend_from_slice(MOVES);
                if self.customers.list.selected_row().is_some() {
                    v.push(Action::Open);
                    if edit {
                        v.push(Action::Edit);
                    }
                }
                if edit {
                    v.push(Action::New);
                }
                v.extend([Action::Filter, Action::Segment]);
                if self.customers.list.selected_row().is_some()
                    && self.may(Permission::DeleteCustomers)
                {
                    v.push(Action::Delete);
                }
                if !self.customers.filter.text.is_empty() {
                    v.push(Action::Back);
                }
            }
        }
        v
    }

    pub fn customers_act(&mut self, action: Action) {
        if self.customers.detail.is_some() {
            self.customer_detail_act(action);
            return;
        }
        let selected = self
            .customers
            .list
            .selected_row()
            .map(|r| r.customer.clone());
        match action {
            a if MOVES.contains(&a) && move_in(&mut self.customers.list, a) => {
                if let Err(e) = self.customers_fetch() {
                    self.fail(e);
                }
            }
            a if MOVES.contains(&a) => {}
            Action::Open => {
                if let Some(c) = selected {
                    self.open_customer(&c.id);
                }
            }
            Action::New => {
                let code = customer::next_code(self.store.conn()).unwrap_or_default();
                let mut v = BTreeMap::from([("code".to_string(), code)]);
                if let Some(me) = &self.me
                    && me.role == crate::domain::Role::Crm
                {
                    v.insert("owner".into(), format!("{}\u{1f}{}", me.id, me.name));
                }
                self.open_form(FormKind::CustomerNew, &v);
            }
            Action::Edit => {
                if let Some(c) = selected {
                    self.open_form(
                        FormKind::CustomerEdit {
                            id: c.id,
                            version: c.version,
                        },
                        &BTreeMap::new(),
                    );
                }
            }
            Action::Delete => {
                if let Some(c) = selected {
                    self.confirm_delete_customer(c);
                }
            }
            Action::Filter => self.start_filter(),
            Action::Segment => self.choose_segment(),
            Action::Back => {
                self.customers.filter.text.clear();
                self.reload();
            }
            _ => {}
        }
    }

    fn confirm_delete_customer(&mut self, c: crate::domain::Customer) {
        let msg = self.tr_with(
            "confirm.delete_customer",
            &[("name", &format!("{} {}", c.code, c.name))],
        );
        self.overlay = Some(Overlay::Confirm(msg, Pending::DeleteCustomer(Box::new(c))));
    }

    pub fn delete_customer(&mut self, c: crate::domain::Customer) {
        match self.store.delete_customer(&c) {
            Ok(()) => {
                self.after_write();
                self.customers.detail = None;
                self.info(self.tr_with("status.deleted", &[("name", &c.name)]));
                self.reload();
            }
            Err(e) => self.fail(e),
        }
    }

    pub fn open_customer(&mut self, id: &str) {
        self.tab = Tab::Customers;
        match load_detail(self, id, 0) {
            Ok(d) => self.customers.detail = Some(d),
            Err(e) => self.fail(e),
        }
    }

    fn customer_detail_act(&mut self, action: Action) {
        let Some(d) = &mut self.customers.detail else {
            return;
        };
        let c = d.row.customer.clone();
        let visit = d.visits.get(d.selected).map(|v| v.visit.clone());
        match action {
            Action::Up => d.selected = d.selected.saturating_sub(1),
            Action::Down => d.selected = (d.selected + 1).min(d.visits.len().saturating_sub(1)),
            Action::PageUp | Action::Top => d.selected = 0,
            Action::PageDown | Action::Bottom => d.selected = d.visits.len().saturating_sub(1),
            Action::Back => self.customers.detail = None,
            Action::Edit => self.open_form(
                FormKind::CustomerEdit {
                    id: c.id,
                    version: c.version,
                },
                &BTreeMap::new(),
            ),
            Action::New => {
                let input = crate::domain::FollowUpInput {
                    customer_id: Some(c.id.clone()),
                    owner_id: c.owner_id.clone().or_else(|| self.my_id()),
                    due_date: Some(self.today),
                    ..Default::default()
                };
                self.open_form(
                    FormKind::FollowUpNew,
                    &crate::tui::forms::follow_up_values(self, &input),
                );
            }
            Action::AddPurchase => {
                let v = BTreeMap::from([
                    ("date".to_string(), date::format(self.today)),
                    ("quantity".into(), "1".into()),
                ]);
                self.open_form(FormKind::PurchaseNew { customer_id: c.id }, &v);
            }
            Action::Open => {
                if let Some(v) = visit {
                    self.open_visit(&v.id, Some(Tab::Customers));
                }
            }
            Action::Advance => {
                if let Some(v) = visit {
                    self.visit_menu(v);
                }
            }
            Action::Delete => self.confirm_delete_customer(c),
            _ => {}
        }
    }

    pub fn customers_reload(&mut self) -> Result<()> {
        if let Some(d) = &self.customers.detail {
            let (id, sel) = (d.row.customer.id.clone(), d.selected);
            match load_detail(self, &id, sel) {
                Ok(d) => self.customers.detail = Some(d),
                Err(StoreError::NotFound { .. }) => self.customers.detail = None,
                Err(e) => return Err(e),
            }
        }
        let q = self.customers.filter.text.trim().to_string();
        let segment = self.segment_rowids()?;
        let matches = if q.is_empty() {
            None
        } else {
            Some(self.matching_rowids(&q)?)
        };
        self.customers.shown = match (segment, matches) {
            (None, None) => None,
            (Some(ids), None) | (None, Some(ids)) => Some(ids),
            (Some(seg), Some(found)) => {
                let seg: std::collections::HashSet<i64> = seg.into_iter().collect();
                Some(found.into_iter().filter(|id| seg.contains(id)).collect())
            }
        };
        self.customers.list.total = match &self.customers.shown {
            Some(ids) => ids.len(),
            None => customer::count(self.store.conn())?,
        };
        self.customers_fetch()
    }

    /// Reads the rows around the selection, for the total already counted.
    pub fn customers_fetch(&mut self) -> Result<()> {
        let conn = self.store.conn();
        let list = &mut self.customers.list;
        let total = list.total;
        match &self.customers.shown {
            None => list.reload(total, |off, lim| {
                customer::page(conn, off, lim, Some(total))
            }),
            Some(ids) => list.reload(total, |off, lim| {
                customer::by_rowids(
                    conn,
                    ids.get(off..(off + lim).min(ids.len())).unwrap_or(&[]),
                )
            }),
        }
    }

    /// The chosen segment's rowids, from the cache while the data has not changed.
    fn segment_rowids(&mut self) -> Result<Option<Vec<i64>>> {
        let (seg, generation) = (self.customers.segment, self.generation);
        if let Some((s, g, ids)) = &self.customers.segment_ids
            && *s == seg
            && *g == generation
        {
            return Ok(Some(ids.clone()));
        }
        let ids = segment::rowids(self.store.conn(), seg, self.today)?;
        self.customers.segment_ids = ids.clone().map(|ids| (seg, generation, ids));
        Ok(ids)
    }

    /// Rowids of the customers matching `query`, in list order: from the search index, or
    /// from SQL while the index is being built.
    fn matching_rowids(&mut self, query: &str) -> Result<Vec<i64>> {
        match self.match_rowids(query) {
            Some(ids) => Ok(ids),
            None => customer::search_rowids(self.store.conn(), query),
        }
    }

    /// Rowids of the customers matching `query` in list order, if the index is ready.
    pub fn match_rowids(&mut self, query: &str) -> Option<Vec<i64>> {
        let idx = self.search_index()?;
        Some(
            idx.matches(query)
                .into_iter()
                .filter_map(|p| idx.rowid(p))
                .collect(),
        )
    }

    /// `v`: choose a segment of customers to work through.
    fn choose_segment(&mut self) {
        let items = Segment::ALL
            .iter()
            .map(|s| {
                let mark = if *s == self.customers.segment {
                    "✓ "
                } else {
                    ""
                };
                let label = format!("{mark}{}", self.tr(s.label_key()));
                PickItem::new(s.code(), label)
                    .hint(s.hint_key().map(|k| self.tr(k)).unwrap_or_default())
            })
            .collect();
        let picker = Picker::new(self.tr("segment.title"), items);
        self.overlay = Some(Overlay::Menu(picker, MenuFor::Segment));
    }

    pub fn segment_chosen(&mut self, code: &str) {
        if let Some(s) = Segment::from_code(code) {
            self.customers.segment = s;
            self.customers.list.selected = 0;
            self.reload();
        }
    }

    /// A page of customers matching `query`, for lookups.
    pub fn customer_matches(
        &mut self,
        query: &str,
        offset: usize,
        limit: usize,
    ) -> Result<Vec<CustomerRow>> {
        if query.trim().is_empty() {
            return customer::page(self.store.conn(), offset, limit, None);
        }
        let ids = self.matching_rowids(query)?;
        customer::by_rowids(
            self.store.conn(),
            ids.get(offset..(offset + limit).min(ids.len()))
                .unwrap_or(&[]),
        )
    }

    pub fn customers_draw(&self, frame: &mut Frame, area: Rect) {
        if let Some(d) = &self.customers.detail {
            self.customer_detail_draw(frame, area, d);
            return;
        }
        let list = &self.customers.list;
        let count = list.total.to_string();
        let title = match self.customers.segment {
            Segment::All => self.tr_with("customers.title", &[("count", &count)]),
            seg => self.tr_with(
                "customers.title_segment",
                &[("segment", &self.tr(seg.label_key())), ("count", &count)],
            ),
        };
        let empty =
            if self.customers.segment != Segment::All && self.customers.filter.text.is_empty() {
                "segment.empty"
            } else if self.customers.filter.text.is_empty() {
                "customers.empty"
            } else {
                "filter.none"
            };
        let Some(inner) = self.list_box(frame, area, title, list.total, empty) else {
            return;
        };
        let cols = [
            Column::new(self.tr("field.code"), 8, 7),
            Column::new(self.tr("field.name"), 14, 6),
            Column::new(self.tr("field.company"), 20, 0),
            Column::new(self.tr("field.tier"), 8, 6),
            Column::new(self.tr("field.phone"), 16, 0),
            Column::new(self.tr("field.owner"), 9, 0),
        ];
        let (_, rows, sel) = list.visible(inner.height.saturating_sub(1) as usize);
        let rows: Vec<Row> = rows
            .iter()
            .map(|r| {
                let c = &r.customer;
                Row {
                    cells: vec![
                        c.code.clone(),
                        c.name.clone(),
                        c.company.clone(),
                        self.tr(c.tier.label_key()),
                        c.phone.clone(),
                        r.owner_name.clone().unwrap_or_default(),
                    ],
                    style: Style::default(),
                }
            })
            .collect();
        table::draw(frame, inner, &self.theme, &cols, &rows, sel);
    }

    fn customer_detail_draw(&self, frame: &mut Frame, area: Rect, d: &Detail) {
        let c = &d.row.customer;
        let title = format!(" {} {} · {} ", c.code, c.name, self.tr(c.tier.label_key()));
        let inner = self.framed(frame, area, Span::styled(title, self.theme.label()));
        let w = inner.width as usize;
        let pair = |k: &str, v: &str| -> Vec<Span<'static>> {
            vec![
                Span::styled(self.label(k), self.theme.label()),
                Span::raw(v.to_string()),
            ]
        };
        let mut lines: Vec<Line> = vec![
            Line::from(
                [
                    pair("field.company", &c.company),
                    vec![Span::raw("   ")],
                    pair("field.owner", d.row.owner_name.as_deref().unwrap_or("-")),
                ]
                .concat(),
            ),
            Line::from(
                [
                    pair("field.phone", &c.phone),
                    vec![Span::raw("   ")],
                    pair("field.email", &c.email),
                ]
                .concat(),
            ),
            Line::from(
                [
                    pair("field.tags", &c.tags),
                    vec![Span::raw("   ")],
                    pair("field.source", &c.source),
                    vec![Span::raw("   ")],
                    pair(
                        "field.birthday",
                        &c.birthday.map(date::format).unwrap_or_default(),
                    ),
                ]
                .concat(),
            ),
            Line::from(pair("field.address", &c.address)),
            Line::from(pair(
                "field.preferences",
                &fit(&c.preferences, w.saturating_sub(10)),
            )),
        ];
        if !c.notes.is_empty() {
            lines.push(Line::from(pair(
                "field.notes",
                &fit(&c.notes, w.saturating_sub(10)),
            )));
        }
        let total: i64 = d.purchases.iter().map(|p| p.amount_cents).sum();
        lines.push(Line::from(""));
        lines.push(Line::from(Span::styled(
            self.tr_with(
                "customers.purchases",
                &[
                    ("count", &d.purchases.len().to_string()),
                    ("total", &format_money(total)),
                ],
            ),
            self.theme.header(),
        )));
        for p in d.purchases.iter().take(3) {
            lines.push(Line::from(format!(
                "  {}  {}  × {}  {}",
                date::format(p.date),
                fit(&p.product, 24),
                p.quantity,
                format_money(p.amount_cents)
            )));
        }
        if d.purchases.len() > 3 {
            lines.push(Line::from(Span::styled(
                format!(
                    "  … {}",
                    self.tr_with(
                        "customers.more",
                        &[("count", &(d.purchases.len() - 3).to_string())]
                    )
                ),
                self.theme.dim(),
            )));
        }
        lines.push(Line::from(""));
        let title = self.tr_with(
            "customers.visits",
            &[("count", &d.visits.len().to_string())],
        );
        let Some(table_area) = self.head_and_section(frame, inner, lines, false, title) else {
            return;
        };
        self.visit_table(frame, table_area, &d.visits, Some(d.selected), false);
    }

    /// Visits as a table: due, customer (unless one customer's), method, owner, state, satisfaction.
    pub fn visit_table(
        &self,
        frame: &mut Frame,
        area: Rect,
        visits: &[FollowUpRow],
        selected: Option<usize>,
        with_customer: bool,
    ) {
        let mut cols = vec![Column::new(self.tr("field.due_date"), 10, 10)];
        if with_customer {
            cols.push(Column::new(self.tr("field.customer"), 18, 8));
        }
        cols.extend([
            Column::new(self.tr("field.method"), 10, 4),
            Column::new(self.tr("field.owner"), 9, 0),
            Column::new(self.tr("field.state"), 8, 4),
            Column::new(self.tr("field.satisfaction"), 5, 0),
            Column::new(self.tr("field.feedback"), 16, 0),
        ]);
        let height = area.height.saturating_sub(1) as usize;
        let sel = selected.unwrap_or(0);
        let top = sel.saturating_sub(height.saturating_sub(1));
        let rows: Vec<Row> = visits
            .iter()
            .skip(top)
            .take(height)
            .map(|r| {
                let v = &r.visit;
                let mut cells = vec![date::format(v.due_date)];
                if with_customer {
                    cells.push(format!("{} {}", r.customer_name, r.customer_code));
                }
                cells.extend([
                    self.tr(v.method.label_key()),
                    r.owner_name.clone().unwrap_or_default(),
                    self.tr(v.state.label_key()),
                    v.satisfaction
                        .map(|s| "★".repeat(s as usize))
                        .unwrap_or_default(),
                    if v.feedback.is_empty() {
                        v.note.clone()
                    } else {
                        v.feedback.clone()
                    },
                ]);
                Row {
                    cells,
                    style: self.theme.urgency(v.urgency(self.today)),
                }
            })
            .collect();
        table::draw(
            frame,
            area,
            &self.theme,
            &cols,
            &rows,
            selected.map(|s| s - top),
        );
    }
}

fn load_detail(app: &App, id: &str, selected: usize) -> Result<Detail> {
    let conn = app.store.conn();
    let row = customer::get(conn, id)?;
    let purchases = customer::purchases(conn, id)?;
    let scope = Scope {
        customer_id: Some(id.to_string()),
        ..Default::default()
    };
    let visits = follow_up::page(conn, &scope, 0, 500, None)?;
    let selected = selected.min(visits.len().saturating_sub(1));
    Ok(Detail {
        row,
        purchases,
        visits,
        selected,
    })
}
