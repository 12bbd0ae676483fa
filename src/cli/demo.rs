//! `marketdesk demo`: fills an empty database with a sample department — the small bilingual
//! one through the store's normal write paths, or the scale data set of SPEC §7 in one bulk load.

mod sample;
mod scale;

use super::Settings;
use crate::config;
use crate::domain::customer::format_money;
use crate::domain::{
    Cadence, Code, Customer, CustomerInput, Employee, EmployeeInput, FollowUpInput, FollowUpIssue,
    FollowUpState, IssueState, Method, Outcome, Purchase, PurchaseInput, Role, Tier, new_id,
};
use crate::store::{self, Store, bulk, customer, employee, follow_up};
use anyhow::{Context, Result, bail};
use chrono::{Datelike, Duration, NaiveDate};
use sample::{Rng, Sample};
use scale::scale_set;
use serde::Deserialize;
use std::time::Instant;

/// The scale data set's staff (SPEC §7).
const SCALE_STAFF: usize = 50;
/// The sample department's customers.
const SAMPLE_CUSTOMERS: usize = 200;
/// The same seed every run, so every demo database tells the same story.
const SEED: u64 = 0x4D41_524B_4554_4445; // "MARKETDE"

pub fn run(ctx: &Settings, customers: Option<usize>, visits: Option<usize>) -> Result<()> {
    let today = match config::today_override() {
        Ok(Some(d)) => d,
        Ok(None) => config::today(),
        Err(value) => bail!(ctx.lang.tr_with("demo.bad_today", &[("value", &value)])),
    };
    let sample: Sample = toml::from_str(include_str!("../../assets/demo/sample.toml"))
        .context("assets/demo/sample.toml")?;
    sample.check()?;
    let scale = match (customers, visits) {
        (None, None) => None,
        (Some(c), Some(v)) => Some((c, v)),
        (Some(c), None) => Some((c, c.saturating_mul(10))),
        (None, Some(v)) => Some(((v / 10).max(1), v)),
    };
    // Refuse a request that cannot be met before a database file is created for it.
    if let Some((0, v)) = scale
        && v > 0
    {
        bail!(ctx.lang.tr("demo.visits_need_customers"));
    }
    let mut store = ctx.open()?;
    match scale {
        None => sample_department(ctx, &mut store, &sample, today),
        Some((c, v)) => scale_set(ctx, &mut store, &sample, today, c, v),
    }
}

fn refuse(ctx: &Settings, found: bulk::Existing) -> anyhow::Error {
    anyhow::anyhow!(ctx.lang.tr_with(
        "demo.not_empty",
        &[
            ("file", &ctx.db_path.display().to_string()),
            ("employees", &found.employees.to_string()),
            ("customers", &found.customers.to_string()),
        ],
    ))
}

// ---------------------------------------------------------------------------------------------
// The sample department: eight people, two hundred customers, six months of visits.

/// What the sample department came to, for the summary line.
#[derive(Debug, Default)]
struct Tally {
    employees: usize,
    customers: usize,
    purchases: usize,
    visits: usize,
    planned: usize,
    due_today: usize,
    issues: usize,
}

fn sample_department(
    ctx: &Settings,
    store: &mut Store,
    sample: &Sample,
    today: NaiveDate,
) -> Result<()> {
    let cadence = ctx.config.cadence;
    // One transaction: the department appears whole or not at all, and the emptiness check
    // inside it means no other process can add records between the check and the fill.
    let result = store.write(|tx, wctx| {
        let found = bulk::existing(tx)?;
        if !found.is_empty() {
            return Ok(Err(found));
        }
        let mut rng = Rng(SEED);
        let mut tally = Tally::default();
        let mut manager: Option<String> = None;
        let mut crm: Vec<Employee> = Vec::new();
        for s in &sample.staff {
            let e = employee::create(
                tx,
                wctx,
                &EmployeeInput {
                    login: s.login.clone(),
                    name: s.name.clone(),
                    role: Role::from_code(&s.role),
                    supervisor_id: manager.clone(),
                },
            )?;
            tally.employees += 1;
            if manager.is_none() {
                manager = Some(e.id.clone());
            }
            if e.role == Role::Crm {
                crm.push(e);
            }
        }
        // How many customers each specialist has so far: their first ones get visits
        // overdue and due today, so that everyone's Today screen has work on it.
        let mut per_owner = vec![0usize; crm.len()];
        for n in 1..=SAMPLE_CUSTOMERS {
            let o = rng.below(crm.len() as u64) as usize;
            let owner = &crm[o];
            let input = customer_input(&mut rng, sample, n, Some(owner.id.clone()), today);
            let c = customer::create(tx, wctx, &input)?;
            tally.customers += 1;
            purchases(&mut rng, sample, &c, today, |p| {
                customer::add_purchase(tx, wctx, &c.id, &p)?;
                tally.purchases += 1;
                Ok(())
            })?;
            let j = per_owner[o];
            per_owner[o] += 1;
            let next_due = if j < 40 && j % 8 == 2 {
                today - Duration::days(rng.range(1, 12))
            } else if j < 40 && j % 10 == 5 {
                today
            } else {
                today + Duration::days(rng.range(1, i64::from(cadence.days(c.tier))))
            };
            visit_history(
                tx, wctx, &mut rng, sample, &c, &cadence, today, next_due, &mut tally,
            )?;
            if next_due <= today + Duration::days(60) {
                follow_up::schedule(
                    tx,
                    wctx,
                    &FollowUpInput {
                        customer_id: Some(c.id.clone()),
                        owner_id: c.owner_id.clone(),
                        method: Some(method(&mut rng, c.tier)),
                        due_date: Some(next_due),
                        note: rng.pick(&PLANNED_NOTES).to_string(),
                    },
                )?;
                tally.visits += 1;
                tally.planned += 1;
                if next_due == today {
                    tally.due_today += 1;
                }
            }
        }
        Ok(Ok((tally, crm)))
    })?;
    let (tally, crm) = result.map_err(|found| refuse(ctx, found))?;
    let file = ctx.db_path.display().to_string();
    println!(
        "{}",
        ctx.lang.tr_with(
            "demo.done",
            &[
                ("file", &file),
                ("employees", &tally.employees.to_string()),
                ("customers", &tally.customers.to_string()),
                ("purchases", &tally.purchases.to_string()),
                ("visits", &tally.visits.to_string()),
                ("planned", &tally.planned.to_string()),
                ("today", &tally.due_today.to_string()),
                ("issues", &tally.issues.to_string()),
            ],
        )
    );
    let logins: Vec<&str> = crm.iter().map(|e| e.login.as_str()).collect();
    println!(
        "{}",
        ctx.lang.tr_with(
            "demo.try",
            &[
                ("file", &file),
                ("login", logins.first().copied().unwrap_or_default()),
                ("logins", &logins.join(", ")),
            ],
        )
    );
    Ok(())
}

const PLANNED_NOTES: [&str; 5] = ["", "", "例行回訪", "介紹新款空氣清淨機", "確認濾芯配送需求"];

/// The visits of the last six months that led up to `next_due`: each dated one cadence before
/// the next, because the cadence proposes the next visit from the day one was done.
#[allow(clippy::too_many_arguments)]
fn visit_history(
    tx: &rusqlite::Connection,
    wctx: &store::Ctx,
    rng: &mut Rng,
    sample: &Sample,
    c: &Customer,
    cadence: &Cadence,
    today: NaiveDate,
    next_due: NaiveDate,
    tally: &mut Tally,
) -> store::Result<()> {
    // A configured cadence of a few days would only crowd the list; a week is the least.
    let step = i64::from(cadence.days(c.tier)).max(7);
    let window = today - Duration::days(190);
    let mut days = Vec::new();
    let mut d = next_due - Duration::days(step);
    while d >= window && d < today {
        days.push(d);
        d -= Duration::days(step + rng.range(-4, 4));
    }
    // Oldest first, so the audit log reads in the order things happened.
    for done_on in days.into_iter().rev() {
        let late = rng.range(0, 2);
        let planned = follow_up::schedule(
            tx,
            wctx,
            &FollowUpInput {
                customer_id: Some(c.id.clone()),
                owner_id: c.owner_id.clone(),
                method: Some(method(rng, c.tier)),
                due_date: Some(done_on - Duration::days(late)),
                note: String::new(),
            },
        )?;
        tally.visits += 1;
        let roll = rng.below(100);
        if roll < 8 {
            follow_up::close(
                tx,
                wctx,
                &planned,
                FollowUpState::Missed,
                rng.pick(&sample.missed_reasons).as_str(),
            )?;
            continue;
        }
        if roll < 13 {
            follow_up::close(
                tx,
                wctx,
                &planned,
                FollowUpState::Cancelled,
                rng.pick(&sample.cancelled_reasons).as_str(),
            )?;
            continue;
        }
        let satisfaction = satisfaction(rng);
        let issue = (satisfaction <= 3 && rng.chance(35)).then(|| rng.pick(&sample.issues));
        let outcome = Outcome {
            done_date: Some(done_on),
            satisfaction: Some(satisfaction),
            feedback: feedback(rng, sample, satisfaction).to_string(),
            issues_found: issue.map(|i| i.text.clone()).unwrap_or_default(),
        };
        let (done, _) = follow_up::complete(tx, wctx, &planned, &outcome, today, cadence)?;
        if let Some(i) = issue
            && rng.chance(70)
        {
            let handed = follow_up::hand_over_issue(tx, wctx, &done.id, &i.text, &i.department)?;
            tally.issues += 1;
            let closed_on = done_on + Duration::days(rng.range(2, 12));
            if closed_on < today && rng.chance(70) {
                follow_up::close_issue(tx, wctx, &handed, &i.resolution, closed_on)?;
            }
        }
    }
    Ok(())
}

/// A customer's purchases over the last two years (most customers have some).
fn purchases(
    rng: &mut Rng,
    sample: &Sample,
    c: &Customer,
    today: NaiveDate,
    mut add: impl FnMut(PurchaseInput) -> store::Result<()>,
) -> store::Result<()> {
    if !rng.chance(85) {
        return Ok(());
    }
    let extra = if c.tier == Tier::Vip { 3 } else { 0 };
    for _ in 0..rng.range(1, 4 + extra) {
        let p = rng.pick(&sample.products);
        let most = if c.company.is_empty() { 2 } else { 12 };
        let quantity = if p.max >= 20_000 {
            1
        } else {
            rng.range(1, most)
        };
        let unit = rng.range(p.min / 10, p.max / 10) * 10;
        add(PurchaseInput {
            date: Some(today - Duration::days(rng.range(1, 730))),
            product: p.name.clone(),
            quantity: quantity.to_string(),
            amount: format_money(unit * quantity * 100),
        })?;
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// The scale data set: 50 staff, N customers, M visits over ten years, one bulk load.

fn customer_input(
    rng: &mut Rng,
    s: &Sample,
    n: usize,
    owner_id: Option<String>,
    today: NaiveDate,
) -> CustomerInput {
    let english = !rng.chance(88);
    let (name, mail_user) = if !english {
        let (surname, s_roman) = rng.pick(&s.surnames);
        let (given, g_roman) = rng.pick(&s.given_names);
        (format!("{surname}{given}"), format!("{g_roman}.{s_roman}"))
    } else {
        let first = rng.pick(&s.english_first);
        let last = rng.pick(&s.english_last);
        (
            format!("{first} {last}"),
            format!("{first}.{last}").to_lowercase(),
        )
    };
    let place = rng.pick(&s.addresses);
    let (company, domain) = match rng.below(100) {
        0..=34 => {
            let (prefix, p_roman) = rng.pick(&s.company_prefixes);
            let (trade, t_roman) = rng.pick(&s.company_trades);
            let form = rng.pick(&s.company_forms);
            let tld = if place.region == "cn" {
                "com.cn"
            } else {
                "com.tw"
            };
            (
                format!("{prefix}{trade}{form}"),
                Some(format!("{p_roman}-{t_roman}.{tld}")),
            )
        }
        35..=39 => {
            let (company, domain) = rng.pick(&s.english_companies);
            (company.clone(), Some(domain.clone()))
        }
        _ => (String::new(), None),
    };
    let tier = [Tier::Vip, Tier::A, Tier::B, Tier::C][rng.weighted(&[8, 22, 40, 30])];
    let mut tags: Vec<&str> = Vec::new();
    if tier == Tier::Vip && rng.chance(60) {
        tags.push("老客戶");
    }
    if !company.is_empty() && rng.chance(50) {
        tags.push(if rng.chance(50) {
            "企業採購"
        } else {
            "批發"
        });
    }
    for _ in 0..rng.range(0, 2) {
        tags.push(rng.pick(&s.tags).as_str());
    }
    let phone = match place.region.as_str() {
        "cn" => format!(
            "+86 13{} {:04} {:04}",
            rng.below(10),
            rng.below(10_000),
            rng.below(10_000)
        ),
        "hk" => format!(
            "+852 {}{:03} {:04}",
            [5, 6, 9][rng.below(3) as usize],
            rng.below(1000),
            rng.below(10_000)
        ),
        _ if rng.chance(80) => format!(
            "09{:02}-{:03}-{:03}",
            rng.below(100),
            rng.below(1000),
            rng.below(1000)
        ),
        _ => format!("(02) 2{:03}-{:04}", rng.below(1000), rng.below(10_000)),
    };
    let email = if !rng.chance(85) {
        String::new()
    } else if let Some(domain) = &domain {
        format!("{mail_user}@{domain}")
    } else {
        let host = if place.region == "cn" {
            rng.pick(&s.cn_mail)
        } else {
            rng.pick(&s.personal_mail)
        };
        format!("{mail_user}{}@{host}", rng.range(1, 99))
    };
    let birthday = if rng.chance(70) {
        NaiveDate::from_ymd_opt(
            today.year() - rng.range(22, 70) as i32,
            rng.range(1, 12) as u32,
            rng.range(1, 28) as u32,
        )
    } else {
        None
    };
    let pool = if english {
        &s.preferences_en
    } else {
        &s.preferences
    };
    let mut preferences = rng.pick(pool).clone();
    if rng.chance(40) {
        let more = rng.pick(pool);
        if *more != preferences {
            preferences.push_str(if english { " " } else { "" });
            preferences.push_str(more);
        }
    }
    CustomerInput {
        code: format!("C{n:06}"),
        name,
        company,
        tier: Some(tier),
        tags: tags.join(", "),
        phone,
        email,
        address: format!(
            "{}{}號{}樓",
            place.text,
            rng.range(1, 300),
            rng.range(1, 20)
        ),
        birthday,
        preferences,
        source: rng.pick(&s.sources).clone(),
        owner_id,
        notes: rng.pick(&s.notes).clone(),
    }
}

/// Important customers are seen in person more often; the rest mostly by phone.
fn method(rng: &mut Rng, tier: Tier) -> Method {
    let weights: &[u64] = match tier {
        Tier::Vip | Tier::A => &[45, 15, 40],
        Tier::B | Tier::C => &[60, 30, 10],
    };
    [Method::Phone, Method::Email, Method::FaceToFace][rng.weighted(weights)]
}

/// Most customers are content; a few are not.
fn satisfaction(rng: &mut Rng) -> u8 {
    [1, 2, 3, 4, 5][rng.weighted(&[3, 6, 16, 40, 35])]
}

fn feedback<'a>(rng: &mut Rng, s: &'a Sample, satisfaction: u8) -> &'a str {
    match satisfaction {
        5 => rng.pick(&s.feedback_5).as_str(),
        4 => rng.pick(&s.feedback_4).as_str(),
        3 => rng.pick(&s.feedback_3).as_str(),
        _ => rng.pick(&s.feedback_low).as_str(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Sample {
        toml::from_str(include_str!("../../assets/demo/sample.toml")).unwrap()
    }

    #[test]
    fn sample_pools_are_usable() {
        sample().check().unwrap();
    }

    #[test]
    fn generated_customers_pass_the_forms_rules_and_repeat() {
        let s = sample();
        let today = NaiveDate::from_ymd_opt(2026, 11, 30).unwrap();
        let (mut a, mut b) = (Rng(SEED), Rng(SEED));
        for n in 1..=2000 {
            let c = customer_input(&mut a, &s, n, None, today);
            assert_eq!(c, customer_input(&mut b, &s, n, None, today));
            let v = c.validate().unwrap_or_else(|e| panic!("{c:?}: {e:?}"));
            assert!(v.birthday.is_none_or(|d| d < today));
        }
    }

    #[test]
    fn rng_ranges_are_inclusive_and_weighted_picks_follow_weights() {
        let mut r = Rng(1);
        let mut seen = [0usize; 3];
        for _ in 0..3000 {
            let n = r.range(-1, 1);
            seen[(n + 1) as usize] += 1;
        }
        assert!(seen.iter().all(|n| *n > 800), "{seen:?}");
        let picks = (0..1000).filter(|_| r.weighted(&[0, 1]) == 1).count();
        assert_eq!(picks, 1000);
    }
}
