//! Follow-up visits (客戶回訪), seed 五(二): methods, states and their transitions,
//! the outcome a done visit needs, issues handed to a department, and the tier cadence.

use super::{FieldError, Invalid, Tier, code_enum, text};
use chrono::{Duration, NaiveDate};
use serde::{Deserialize, Serialize};

code_enum! {
    Method {
        Phone => "phone", "method.phone";
        Email => "email", "method.email";
        FaceToFace => "face_to_face", "method.face_to_face";
    }
}

code_enum! {
    FollowUpState {
        Planned => "planned", "visit_state.planned";
        Done => "done", "visit_state.done";
        Missed => "missed", "visit_state.missed";
        Cancelled => "cancelled", "visit_state.cancelled";
    }
}

code_enum! {
    IssueState {
        Open => "open", "issue_state.open";
        Closed => "closed", "issue_state.closed";
    }
}

impl FollowUpState {
    /// The states a visit in this state may move to: only a planned visit moves.
    pub fn next(self) -> &'static [FollowUpState] {
        match self {
            FollowUpState::Planned => &[
                FollowUpState::Done,
                FollowUpState::Missed,
                FollowUpState::Cancelled,
            ],
            _ => &[],
        }
    }
}

/// How pressing a planned visit is, for the colours of a list.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Urgency {
    Overdue,
    Today,
    Upcoming,
    Closed,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FollowUp {
    pub id: String,
    pub customer_id: String,
    pub owner_id: Option<String>,
    pub method: Method,
    pub due_date: NaiveDate,
    pub state: FollowUpState,
    pub done_date: Option<NaiveDate>,
    pub satisfaction: Option<u8>,
    pub feedback: String,
    pub issues_found: String,
    pub note: String,
    pub version: i64,
    pub created_at: String,
    pub updated_at: String,
}

impl FollowUp {
    pub fn urgency(&self, today: NaiveDate) -> Urgency {
        urgency(self.state, self.due_date, today)
    }
}

pub fn urgency(state: FollowUpState, due: NaiveDate, today: NaiveDate) -> Urgency {
    if state != FollowUpState::Planned {
        Urgency::Closed
    } else if due < today {
        Urgency::Overdue
    } else if due == today {
        Urgency::Today
    } else {
        Urgency::Upcoming
    }
}

/// A visit to schedule.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct FollowUpInput {
    pub customer_id: Option<String>,
    pub owner_id: Option<String>,
    pub method: Option<Method>,
    pub due_date: Option<NaiveDate>,
    pub note: String,
}

impl FollowUpInput {
    pub fn validate(&self) -> Result<(String, Method, NaiveDate), Invalid> {
        let mut errs = Vec::new();
        if self.customer_id.is_none() {
            errs.push(FieldError::new("customer", "error.required"));
        }
        if self.method.is_none() {
            errs.push(FieldError::new("method", "error.required"));
        }
        if self.due_date.is_none() {
            errs.push(FieldError::new("due_date", "error.required"));
        }
        match (&self.customer_id, self.method, self.due_date) {
            (Some(c), Some(m), Some(d)) => Ok((c.clone(), m, d)),
            _ => Err(errs),
        }
    }
}

/// What marking a visit done records; it asks for satisfaction and the customer's feedback.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Outcome {
    pub done_date: Option<NaiveDate>,
    pub satisfaction: Option<u8>,
    pub feedback: String,
    pub issues_found: String,
}

impl Outcome {
    pub fn validate(&self, today: NaiveDate) -> Result<Outcome, Invalid> {
        let mut errs = Vec::new();
        match self.done_date {
            None => errs.push(FieldError::new("done_date", "error.required")),
            Some(d) if d > today => errs.push(FieldError::new("done_date", "error.future")),
            Some(_) => {}
        }
        match self.satisfaction {
            Some(1..=5) => {}
            _ => errs.push(FieldError::new("satisfaction", "error.satisfaction")),
        }
        let feedback = text::clean(&self.feedback);
        if feedback.is_empty() {
            errs.push(FieldError::new("feedback", "error.required"));
        }
        if !errs.is_empty() {
            return Err(errs);
        }
        Ok(Outcome {
            feedback,
            issues_found: text::clean(&self.issues_found),
            ..self.clone()
        })
    }
}

/// An issue a visit found, handed to a department until it is closed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FollowUpIssue {
    pub id: String,
    pub follow_up_id: String,
    pub description: String,
    pub department: String,
    pub state: IssueState,
    pub resolution: String,
    pub closed_on: Option<NaiveDate>,
    pub version: i64,
    pub created_at: String,
    pub updated_at: String,
}

/// Days between regular visits, per tier (default VIP 30, A 60, B 90, C 180).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Cadence {
    pub vip: u32,
    pub a: u32,
    pub b: u32,
    pub c: u32,
}

impl Default for Cadence {
    fn default() -> Self {
        Cadence {
            vip: 30,
            a: 60,
            b: 90,
            c: 180,
        }
    }
}

impl Cadence {
    pub fn days(&self, tier: Tier) -> u32 {
        match tier {
            Tier::Vip => self.vip,
            Tier::A => self.a,
            Tier::B => self.b,
            Tier::C => self.c,
        }
    }

    /// The next regular visit, dated from the day this one was done.
    pub fn next_due(&self, tier: Tier, done: NaiveDate) -> NaiveDate {
        done + Duration::days(i64::from(self.days(tier)))
    }
}

pub fn validate_issue(description: &str, department: &str) -> Result<(String, String), Invalid> {
    let (d, dept) = (text::clean(description), text::clean(department));
    let mut errs = Vec::new();
    if d.is_empty() {
        errs.push(FieldError::new("description", "error.required"));
    }
    if dept.is_empty() {
        errs.push(FieldError::new("department", "error.required"));
    }
    if errs.is_empty() {
        Ok((d, dept))
    } else {
        Err(errs)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::Code;

    fn day(m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, m, d).unwrap()
    }

    #[test]
    fn cadence_dates_from_the_day_done() {
        let c = Cadence::default();
        assert_eq!(c.next_due(Tier::Vip, day(11, 30)), day(12, 30));
        assert_eq!(c.next_due(Tier::A, day(1, 1)), day(3, 2));
        assert_eq!(c.days(Tier::C), 180);
    }

    #[test]
    fn only_planned_visits_move() {
        assert_eq!(FollowUpState::Planned.next().len(), 3);
        assert!(FollowUpState::Done.next().is_empty());
        assert!(FollowUpState::Cancelled.next().is_empty());
    }

    #[test]
    fn urgency_by_due_date() {
        let t = day(11, 30);
        assert_eq!(
            urgency(FollowUpState::Planned, day(11, 29), t),
            Urgency::Overdue
        );
        assert_eq!(urgency(FollowUpState::Planned, t, t), Urgency::Today);
        assert_eq!(
            urgency(FollowUpState::Planned, day(12, 1), t),
            Urgency::Upcoming
        );
        assert_eq!(urgency(FollowUpState::Done, day(11, 1), t), Urgency::Closed);
    }

    #[test]
    fn done_needs_satisfaction_and_feedback() {
        let t = day(11, 30);
        let o = Outcome {
            done_date: Some(day(12, 5)),
            satisfaction: Some(6),
            ..Default::default()
        };
        assert_eq!(
            o.validate(t).unwrap_err(),
            vec![
                FieldError::new("done_date", "error.future"),
                FieldError::new("satisfaction", "error.satisfaction"),
                FieldError::new("feedback", "error.required"),
            ]
        );
        let ok = Outcome {
            done_date: Some(t),
            satisfaction: Some(4),
            feedback: " 很滿意 ".into(),
            issues_found: String::new(),
        };
        assert_eq!(ok.validate(t).unwrap().feedback, "很滿意");
    }

    #[test]
    fn states_round_trip_their_codes() {
        for s in FollowUpState::ALL {
            assert_eq!(FollowUpState::from_code(s.code()), Some(*s));
        }
    }
}
