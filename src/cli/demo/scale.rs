//! The scale data set of SPEC §7 (`demo --customers N --visits M`): fifty staff and ten
//! years of visits, written in one bulk load.

use super::*;

pub(super) fn scale_set(
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
