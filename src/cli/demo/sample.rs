//! What the sample department is made of: the seeded random numbers and the names, places,
//! products and words read from `assets/demo/sample.toml`.

use super::*;

/// splitmix64: ten lines, no dependency, and the same sample data on every run.
pub(super) struct Rng(pub(super) u64);

impl Rng {
    pub(super) fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// 0 ≤ n < bound (0 when bound is 0).
    pub(super) fn below(&mut self, bound: u64) -> u64 {
        self.next().checked_rem(bound).unwrap_or(0)
    }

    /// lo ≤ n ≤ hi.
    pub(super) fn range(&mut self, lo: i64, hi: i64) -> i64 {
        lo + self.below(hi.abs_diff(lo) + 1) as i64
    }

    pub(super) fn chance(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }

    /// One of `items`, which `Sample::check` has made sure is not empty.
    pub(super) fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len() as u64) as usize]
    }

    /// An index into `weights`, drawn in proportion to them.
    pub(super) fn weighted(&mut self, weights: &[u64]) -> usize {
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
pub(super) struct Sample {
    pub(super) staff: Vec<StaffSeed>,
    pub(super) surnames: Vec<(String, String)>,
    pub(super) given_names: Vec<(String, String)>,
    pub(super) english_first: Vec<String>,
    pub(super) english_last: Vec<String>,
    pub(super) company_prefixes: Vec<(String, String)>,
    pub(super) company_trades: Vec<(String, String)>,
    pub(super) company_forms: Vec<String>,
    pub(super) english_companies: Vec<(String, String)>,
    pub(super) addresses: Vec<Place>,
    pub(super) personal_mail: Vec<String>,
    pub(super) cn_mail: Vec<String>,
    pub(super) tags: Vec<String>,
    pub(super) sources: Vec<String>,
    pub(super) preferences: Vec<String>,
    pub(super) preferences_en: Vec<String>,
    pub(super) notes: Vec<String>,
    pub(super) products: Vec<Product>,
    pub(super) feedback_5: Vec<String>,
    pub(super) feedback_4: Vec<String>,
    pub(super) feedback_3: Vec<String>,
    pub(super) feedback_low: Vec<String>,
    pub(super) issues: Vec<IssueSeed>,
    pub(super) missed_reasons: Vec<String>,
    pub(super) cancelled_reasons: Vec<String>,
}

#[derive(Debug, Deserialize)]
pub(super) struct StaffSeed {
    pub(super) login: String,
    pub(super) name: String,
    pub(super) role: String,
}

#[derive(Debug, Deserialize)]
pub(super) struct Place {
    pub(super) region: String,
    pub(super) text: String,
}

#[derive(Debug, Deserialize)]
pub(super) struct Product {
    pub(super) name: String,
    pub(super) min: i64,
    pub(super) max: i64,
}

#[derive(Debug, Deserialize)]
pub(super) struct IssueSeed {
    pub(super) text: String,
    pub(super) department: String,
    pub(super) resolution: String,
}

impl Sample {
    /// Every pool has something to draw from, the staff start with a manager and include CRM
    /// specialists, and every role is one the roster knows.
    pub(super) fn check(&self) -> Result<()> {
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
