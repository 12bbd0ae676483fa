//! Customer segments for finding potential customers (SPEC §5.1, seed 五(一)4): each a named
//! query giving the customers' rowids in list order (by name), for the list to page through.

use super::Result;
use crate::domain::date;
use chrono::{Duration, NaiveDate};
use rusqlite::Connection;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Segment {
    #[default]
    All,
    /// The top fifth by spending over the last year, with no visit done in the last 90 days.
    BigSpendersNotVisited,
    /// No visit planned: fallen out of the regular visits.
    NoVisitPlanned,
    /// Bought before, but nothing in the last year.
    Lapsed,
}

impl Segment {
    pub const ALL: [Segment; 4] = [
        Segment::All,
        Segment::BigSpendersNotVisited,
        Segment::NoVisitPlanned,
        Segment::Lapsed,
    ];

    pub fn code(self) -> &'static str {
        match self {
            Segment::All => "all",
            Segment::BigSpendersNotVisited => "big_spenders_not_visited",
            Segment::NoVisitPlanned => "no_visit_planned",
            Segment::Lapsed => "lapsed",
        }
    }

    pub fn label_key(self) -> &'static str {
        match self {
            Segment::All => "segment.all",
            Segment::BigSpendersNotVisited => "segment.big_spenders_not_visited",
            Segment::NoVisitPlanned => "segment.no_visit_planned",
            Segment::Lapsed => "segment.lapsed",
        }
    }

    /// The locale key of what the segment means, shown when choosing it.
    pub fn hint_key(self) -> Option<&'static str> {
        match self {
            Segment::All => None,
            Segment::BigSpendersNotVisited => Some("segment.big_spenders_not_visited_hint"),
            Segment::NoVisitPlanned => Some("segment.no_visit_planned_hint"),
            Segment::Lapsed => Some("segment.lapsed_hint"),
        }
    }

    pub fn from_code(code: &str) -> Option<Segment> {
        Segment::ALL.into_iter().find(|s| s.code() == code)
    }
}

/// The segment's customers as rowids, by name; None for `All` (the whole table pages itself).
pub fn rowids(conn: &Connection, segment: Segment, today: NaiveDate) -> Result<Option<Vec<i64>>> {
    let year_ago = date::format(today - Duration::days(365));
    let quarter_ago = date::format(today - Duration::days(90));
    let (sql, args): (&str, Vec<String>) = match segment {
        Segment::All => return Ok(None),
        // Each drives from the small side and probes the large one by index: `CROSS JOIN`
        // keeps SQLite from scanning the spend list once per customer.
        Segment::BigSpendersNotVisited => (
            "WITH spend AS (SELECT customer_id, sum(amount_cents) AS total FROM purchase
                            WHERE date >= ?1 GROUP BY customer_id),
                  ranked AS (SELECT customer_id, ntile(5) OVER (ORDER BY total DESC) AS fifth FROM spend)
             SELECT c.rowid FROM ranked r CROSS JOIN customer c ON c.id = r.customer_id
             WHERE r.fifth = 1 AND NOT EXISTS (
                 SELECT 1 FROM follow_up f INDEXED BY follow_up_by_customer
                 WHERE f.customer_id = c.id AND f.state = 'done' AND f.done_date >= ?2)
             ORDER BY c.name, c.id",
            vec![year_ago, quarter_ago],
        ),
        Segment::NoVisitPlanned => (
            "SELECT c.rowid FROM customer c
             WHERE c.id NOT IN (SELECT customer_id FROM follow_up WHERE state = 'planned')
             ORDER BY c.name, c.id",
            vec![],
        ),
        Segment::Lapsed => (
            "SELECT c.rowid FROM customer c
             WHERE c.id IN (SELECT customer_id FROM purchase)
               AND c.id NOT IN (SELECT customer_id FROM purchase WHERE date >= ?1)
             ORDER BY c.name, c.id",
            vec![year_ago],
        ),
    };
    let mut stmt = conn.prepare_cached(sql)?;
    let ids = stmt
        .query_map(rusqlite::params_from_iter(args), |r| r.get(0))?
        .collect::<rusqlite::Result<Vec<i64>>>()?;
    Ok(Some(ids))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{
        Cadence, CustomerInput, FollowUpInput, Method, Outcome, PurchaseInput, Tier,
    };
    use crate::store::{Store, customer};

    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    fn names(s: &Store, ids: Option<Vec<i64>>) -> Vec<String> {
        customer::by_rowids(s.conn(), &ids.unwrap())
            .unwrap()
            .into_iter()
            .map(|r| r.customer.name)
            .collect()
    }

    #[test]
    fn segments_find_the_customers_to_call() {
        let today = day(2026, 11, 30);
        let mut s = Store::open_in_memory("t").unwrap();
        let mut add = |code: &str, name: &str| {
            s.create_customer(&CustomerInput {
                code: code.into(),
                name: name.into(),
                tier: Some(Tier::A),
                ..Default::default()
            })
            .unwrap()
        };
        let big = add("C1", "大戶王");
        let visited = add("C2", "常聯繫李");
        let old = add("C3", "老客戶陳");
        let _none = add("C4", "新客戶張");
        let buy = |s: &mut Store, id: &str, d: NaiveDate, amount: &str| {
            s.add_purchase(
                id,
                &PurchaseInput {
                    date: Some(d),
                    product: "茶具".into(),
                    quantity: "1".into(),
                    amount: amount.into(),
                },
            )
            .unwrap();
        };
        buy(&mut s, &big.id, day(2026, 6, 1), "90000");
        buy(&mut s, &visited.id, day(2026, 7, 1), "80000");
        buy(&mut s, &old.id, day(2024, 1, 1), "500");
        // 李 was visited last month; 王 was not.
        let v = s
            .schedule_follow_up(&FollowUpInput {
                customer_id: Some(visited.id.clone()),
                method: Some(Method::Phone),
                due_date: Some(day(2026, 11, 1)),
                ..Default::default()
            })
            .unwrap();
        let done = Outcome {
            done_date: Some(day(2026, 11, 2)),
            satisfaction: Some(4),
            feedback: "好".into(),
            issues_found: String::new(),
        };
        s.complete_follow_up(&v, &done, today, &Cadence::default())
            .unwrap();
        s.schedule_follow_up(&FollowUpInput {
            customer_id: Some(old.id.clone()),
            method: Some(Method::Email),
            due_date: Some(day(2026, 12, 5)),
            ..Default::default()
        })
        .unwrap();

        let top = rowids(s.conn(), Segment::BigSpendersNotVisited, today).unwrap();
        // Two buyers this year, so the top fifth is the biggest: 王, not visited lately.
        assert_eq!(names(&s, top), ["大戶王"]);
        let unplanned = rowids(s.conn(), Segment::NoVisitPlanned, today).unwrap();
        assert_eq!(
            names(&s, unplanned).len(),
            3,
            "all but 陳, who has a visit planned"
        );
        let lapsed = rowids(s.conn(), Segment::Lapsed, today).unwrap();
        assert_eq!(names(&s, lapsed), ["老客戶陳"]);
        assert_eq!(rowids(s.conn(), Segment::All, today).unwrap(), None);
    }
}
