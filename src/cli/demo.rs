//! `marketdesk demo`: fills an empty database with a sample department — the small bilingual
//! one through the store's normal write paths, or the scale data set of SPEC §7 in one bulk load.

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

fn scale_set(
    ctx: &Settings,
    store: &mut Store,
    sample: &Sample,
    today: NaiveDate,
    customers: usize,
    visits: usize,
) -> Result<()> {
    println!(
        "{}",
        ctx.lang.tr_with(
            "demo.scale_start",
            &[
                ("employees", &SCALE_STAFF.to_string()),
                ("customers", &customers.to_string()),
                ("visits", &visits.to_string()),
            ],
        )
    );
    let started = Instant::now();
    let outcome = store.bulk_load(|l| fill_scale(l, sample, today, customers, visits))?;
    let counts = outcome.map_err(|found| refuse(ctx, found))?;
    let seconds = started.elapsed().as_secs_f64();
    println!(
        "{}",
        ctx.lang.tr_with(
            "demo.scale_done",
            &[
                ("file", &ctx.db_path.display().to_string()),
                ("employees", &counts.employees.to_string()),
                ("customers", &counts.customers.to_string()),
                ("purchases", &counts.purchases.to_string()),
                ("visits", &counts.follow_ups.to_string()),
                ("issues", &counts.follow_up_issues.to_string()),
                ("seconds", &format!("{seconds:.1}")),
            ],
        )
    );
    Ok(())
}

fn fill_scale(
    l: &mut bulk::Loader,
    sample: &Sample,
    today: NaiveDate,
    customers: usize,
    visits: usize,
) -> store::Result<()> {
    let mut rng = Rng(SEED);
    let now = l.now().to_string();
    let staff = scale_staff(&mut rng, sample, &now);
    for e in &staff {
        l.employee(e)?;
    }
    let crm: Vec<&Employee> = staff.iter().filter(|e| e.role == Role::Crm).collect();

    // Who each visit is with: customers drawn in proportion to how often their tier is visited.
    let mut ids: Vec<(String, Option<String>, Tier)> = Vec::with_capacity(customers);
    let mut cumulative: Vec<u64> = Vec::with_capacity(customers);
    let mut total = 0u64;
    for n in 1..=customers {
        let owner = rng.pick(&crm).id.clone();
        let input = customer_input(&mut rng, sample, n, Some(owner), today)
            .validate()
            .map_err(store::StoreError::Invalid)?;
        let c = customer::new_customer(input, &now);
        l.customer(&c)?;
        let mut sink = |p: PurchaseInput| -> store::Result<()> {
            let (date, product, quantity, amount_cents) =
                p.validate().map_err(store::StoreError::Invalid)?;
            l.purchase(&Purchase {
                id: new_id(),
                customer_id: c.id.clone(),
                date,
                product,
                quantity,
                amount_cents,
                version: 1,
                created_at: now.clone(),
                updated_at: now.clone(),
            })
        };
        purchases(&mut rng, sample, &c, today, &mut sink)?;
        total += match c.tier {
            Tier::Vip => 6,
            Tier::A => 3,
            Tier::B => 2,
            Tier::C => 1,
        };
        cumulative.push(total);
        ids.push((c.id, c.owner_id, c.tier));
    }

    for _ in 0..visits {
        let at = rng.below(total);
        let k = cumulative.partition_point(|w| *w <= at);
        let Some((customer_id, owner_id, tier)) = ids.get(k) else {
            continue;
        };
        let mut f = follow_up::new_visit(
            customer_id.clone(),
            owner_id.clone(),
            method(&mut rng, *tier),
            today,
            String::new(),
            &now,
        );
        // About 2% still planned: some overdue, a few today, the rest in the next 60 days;
        // the rest are ten years of history.
        if rng.chance(2) {
            let roll = rng.below(100);
            f.due_date = if roll < 15 {
                today - Duration::days(rng.range(1, 30))
            } else if roll < 20 {
                today
            } else {
                today + Duration::days(rng.range(1, 60))
            };
        } else {
            f.due_date = today - Duration::days(rng.range(1, 3650));
            let roll = rng.below(100);
            if roll < 7 {
                f.state = FollowUpState::Missed;
                f.note = rng.pick(&sample.missed_reasons).clone();
            } else if roll < 12 {
                f.state = FollowUpState::Cancelled;
                f.note = rng.pick(&sample.cancelled_reasons).clone();
            } else {
                let s = satisfaction(&mut rng);
                let done_on = (f.due_date + Duration::days(rng.range(0, 2))).min(today);
                f.state = FollowUpState::Done;
                f.done_date = Some(done_on);
                f.satisfaction = Some(s);
                f.feedback = feedback(&mut rng, sample, s).to_string();
                if s <= 3 && rng.chance(10) {
                    let i = rng.pick(&sample.issues);
                    f.issues_found = i.text.clone();
                    if rng.chance(80) {
                        let closed_on = done_on + Duration::days(rng.range(2, 20));
                        let closed = closed_on < today;
                        l.follow_up(&f)?;
                        l.issue(&FollowUpIssue {
                            id: new_id(),
                            follow_up_id: f.id.clone(),
                            description: i.text.clone(),
                            department: i.department.clone(),
                            state: if closed {
                                IssueState::Closed
                            } else {
                                IssueState::Open
                            },
                            resolution: if closed {
                                i.resolution.clone()
                            } else {
                                String::new()
                            },
                            closed_on: closed.then_some(closed_on),
                            version: 1,
                            created_at: now.clone(),
                            updated_at: now.clone(),
                        })?;
                        continue;
                    }
                }
            }
        }
        l.follow_up(&f)?;
    }
    Ok(())
}

/// The sample department's eight, then generated colleagues: mostly CRM specialists, as the
/// scale set's customers need owners; everyone reports to the manager.
fn scale_staff(rng: &mut Rng, sample: &Sample, now: &str) -> Vec<Employee> {
    let mut staff: Vec<Employee> = Vec::with_capacity(SCALE_STAFF);
    let mut manager: Option<String> = None;
    let mut add = |login: String, name: String, role: Role, staff: &mut Vec<Employee>| {
        let e = Employee {
            id: new_id(),
            login,
            name,
            role,
            supervisor_id: manager.clone(),
            active: true,
            version: 1,
            created_at: now.to_string(),
            updated_at: now.to_string(),
        };
        if manager.is_none() {
            manager = Some(e.id.clone());
        }
        staff.push(e);
    };
    for s in &sample.staff {
        let role = Role::from_code(&s.role).unwrap_or(Role::Crm);
        add(s.login.clone(), s.name.clone(), role, &mut staff);
    }
    let others = [Role::Research, Role::Brand, Role::Activity, Role::Hr];
    let mut i = 0usize;
    while staff.len() < SCALE_STAFF {
        let (surname, s_roman) = rng.pick(&sample.surnames);
        let (given, g_roman) = rng.pick(&sample.given_names);
        let mut login = format!("{s_roman}.{g_roman}");
        if staff.iter().any(|e| e.login == login) {
            login = format!("{login}{}", staff.len());
        }
        let role = if i % 7 == 6 {
            others[(i / 7) % others.len()]
        } else {
            Role::Crm
        };
        add(login, format!("{surname}{given}"), role, &mut staff);
        i += 1;
    }
    staff
}

// ---------------------------------------------------------------------------------------------
// One customer, one visit's outcome: shared by both data sets.

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

/// splitmix64: ten lines, no dependency, and the same sample data on every run.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// 0 ≤ n < bound (0 when bound is 0).
    fn below(&mut self, bound: u64) -> u64 {
        self.next().checked_rem(bound).unwrap_or(0)
    }

    /// lo ≤ n ≤ hi.
    fn range(&mut self, lo: i64, hi: i64) -> i64 {
        lo + self.below(hi.abs_diff(lo) + 1) as i64
    }

    fn chance(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }

    /// One of `items`, which `Sample::check` has made sure is not empty.
    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len() as u64) as usize]
    }

    /// An index into `weights`, drawn in proportion to them.
    fn weighted(&mut self, weights: &[u64]) -> usize {
        let mut at = self.below(weights.iter().sum());
        for (i, w) in weights.iter().enumerate() {
            if at < *w {
                return i;
            }
            at -= w;
        }
        0
    }
}

// ---------------------------------------------------------------------------------------------
// The pools of assets/demo/sample.toml.

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Sample {
    staff: Vec<StaffSeed>,
    surnames: Vec<(String, String)>,
    given_names: Vec<(String, String)>,
    english_first: Vec<String>,
    english_last: Vec<String>,
    company_prefixes: Vec<(String, String)>,
    company_trades: Vec<(String, String)>,
    company_forms: Vec<String>,
    english_companies: Vec<(String, String)>,
    addresses: Vec<Place>,
    personal_mail: Vec<String>,
    cn_mail: Vec<String>,
    tags: Vec<String>,
    sources: Vec<String>,
    preferences: Vec<String>,
    preferences_en: Vec<String>,
    notes: Vec<String>,
    products: Vec<Product>,
    feedback_5: Vec<String>,
    feedback_4: Vec<String>,
    feedback_3: Vec<String>,
    feedback_low: Vec<String>,
    issues: Vec<IssueSeed>,
    missed_reasons: Vec<String>,
    cancelled_reasons: Vec<String>,
}

#[derive(Debug, Deserialize)]
struct StaffSeed {
    login: String,
    name: String,
    role: String,
}

#[derive(Debug, Deserialize)]
struct Place {
    region: String,
    text: String,
}

#[derive(Debug, Deserialize)]
struct Product {
    name: String,
    min: i64,
    max: i64,
}

#[derive(Debug, Deserialize)]
struct IssueSeed {
    text: String,
    department: String,
    resolution: String,
}

impl Sample {
    /// Every pool has something to draw from, the staff start with a manager and include CRM
    /// specialists, and every role is one the roster knows.
    fn check(&self) -> Result<()> {
        let sizes = [
            ("staff", self.staff.len()),
            ("surnames", self.surnames.len()),
            ("given_names", self.given_names.len()),
            ("english_first", self.english_first.len()),
            ("english_last", self.english_last.len()),
            ("company_prefixes", self.company_prefixes.len()),
            ("company_trades", self.company_trades.len()),
            ("company_forms", self.company_forms.len()),
            ("english_companies", self.english_companies.len()),
            ("addresses", self.addresses.len()),
            ("personal_mail", self.personal_mail.len()),
            ("cn_mail", self.cn_mail.len()),
            ("tags", self.tags.len()),
            ("sources", self.sources.len()),
            ("preferences", self.preferences.len()),
            ("preferences_en", self.preferences_en.len()),
            ("notes", self.notes.len()),
            ("products", self.products.len()),
            ("feedback_5", self.feedback_5.len()),
            ("feedback_4", self.feedback_4.len()),
            ("feedback_3", self.feedback_3.len()),
            ("feedback_low", self.feedback_low.len()),
            ("issues", self.issues.len()),
            ("missed_reasons", self.missed_reasons.len()),
            ("cancelled_reasons", self.cancelled_reasons.len()),
        ];
        if let Some((name, _)) = sizes.iter().find(|(_, n)| *n == 0) {
            bail!("assets/demo/sample.toml: `{name}` is empty");
        }
        if let Some(s) = self
            .staff
            .iter()
            .find(|s| Role::from_code(&s.role).is_none())
        {
            bail!("assets/demo/sample.toml: unknown role {:?}", s.role);
        }
        if self.staff[0].role != Role::Manager.code() {
            bail!("assets/demo/sample.toml: the first of `staff` is the manager");
        }
        if !self.staff.iter().any(|s| s.role == Role::Crm.code()) {
            bail!("assets/demo/sample.toml: `staff` needs a CRM specialist");
        }
        if let Some(p) = self.products.iter().find(|p| p.min < 10 || p.max < p.min) {
            bail!(
                "assets/demo/sample.toml: product {:?} has a bad price range",
                p.name
            );
        }
        Ok(())
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
