//! Customer records (客戶檔案) and their purchases (購買記錄), seed 五(一):
//! tiers, validation, and the text a live filter searches.

use super::{FieldError, Invalid, code_enum, text};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

code_enum! {
    /// Customer tier (客戶分級); it sets the follow-up cadence.
    Tier {
        Vip => "vip", "tier.vip";
        A => "a", "tier.a";
        B => "b", "tier.b";
        C => "c", "tier.c";
    }
}

code_enum! {
    /// Who may read a record (SPEC §5.10); customers are confidential by default.
    Classification {
        Public => "public", "classification.public";
        Internal => "internal", "classification.internal";
        Confidential => "confidential", "classification.confidential";
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Customer {
    pub id: String,
    pub code: String,
    pub name: String,
    pub company: String,
    pub tier: Tier,
    pub tags: String,
    pub phone: String,
    pub email: String,
    pub address: String,
    pub birthday: Option<NaiveDate>,
    pub preferences: String,
    pub source: String,
    pub owner_id: Option<String>,
    pub notes: String,
    pub classification: Classification,
    pub version: i64,
    pub created_at: String,
    pub updated_at: String,
}

impl Customer {
    /// What the live filter matches against: name, phone, company, tags and code.
    pub fn haystack(&self) -> String {
        haystack(
            &self.code,
            &self.name,
            &self.company,
            &self.phone,
            &self.tags,
        )
    }
}

pub fn haystack(code: &str, name: &str, company: &str, phone: &str, tags: &str) -> String {
    text::fold(&format!(
        "{code}\u{1f}{name}\u{1f}{company}\u{1f}{phone}\u{1f}{tags}"
    ))
}

/// A customer as typed in a form or read from a CSV row, before it is a record.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct CustomerInput {
    pub code: String,
    pub name: String,
    pub company: String,
    pub tier: Option<Tier>,
    pub tags: String,
    pub phone: String,
    pub email: String,
    pub address: String,
    pub birthday: Option<NaiveDate>,
    pub preferences: String,
    pub source: String,
    pub owner_id: Option<String>,
    pub notes: String,
}

impl CustomerInput {
    /// Cleans every field (NFC, trimmed, tags normalised) and checks the rules.
    pub fn validate(&self) -> Result<CustomerInput, Invalid> {
        let mut errs = Vec::new();
        let c = CustomerInput {
            code: text::clean(&self.code),
            name: text::clean(&self.name),
            company: text::clean(&self.company),
            tier: self.tier,
            tags: normalise_tags(&self.tags),
            phone: text::clean(&self.phone),
            email: text::clean(&self.email),
            address: text::clean(&self.address),
            birthday: self.birthday,
            preferences: text::clean(&self.preferences),
            source: text::clean(&self.source),
            owner_id: self.owner_id.clone(),
            notes: text::clean(&self.notes),
        };
        if c.code.is_empty() {
            errs.push(FieldError::new("code", "error.required"));
        }
        if c.name.is_empty() {
            errs.push(FieldError::new("name", "error.required"));
        }
        if c.tier.is_none() {
            errs.push(FieldError::new("tier", "error.required"));
        }
        if !c.email.is_empty() && !looks_like_email(&c.email) {
            errs.push(FieldError::new("email", "error.email"));
        }
        if !c.phone.is_empty()
            && !c
                .phone
                .chars()
                .all(|ch| ch.is_ascii_digit() || " +-()#".contains(ch))
        {
            errs.push(FieldError::new("phone", "error.phone"));
        }
        if errs.is_empty() { Ok(c) } else { Err(errs) }
    }
}

fn looks_like_email(s: &str) -> bool {
    match s.split_once('@') {
        Some((user, host)) => !user.is_empty() && host.contains('.') && !s.contains(' '),
        None => false,
    }
}

/// Tags as one comma-separated list, whatever separators were typed (，、; too).
pub fn normalise_tags(tags: &str) -> String {
    let cleaned = text::clean(tags);
    let mut out: Vec<&str> = Vec::new();
    for t in cleaned.split([',', '，', '、', ';', '；']).map(str::trim) {
        if !t.is_empty() && !out.contains(&t) {
            out.push(t);
        }
    }
    out.join(", ")
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Purchase {
    pub id: String,
    pub customer_id: String,
    pub date: NaiveDate,
    pub product: String,
    pub quantity: i64,
    pub amount_cents: i64,
    pub version: i64,
    pub created_at: String,
    pub updated_at: String,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct PurchaseInput {
    pub date: Option<NaiveDate>,
    pub product: String,
    pub quantity: String,
    pub amount: String,
}

impl PurchaseInput {
    /// Returns (date, product, quantity, amount in cents).
    pub fn validate(&self) -> Result<(NaiveDate, String, i64, i64), Invalid> {
        let mut errs = Vec::new();
        let product = text::clean(&self.product);
        if self.date.is_none() {
            errs.push(FieldError::new("date", "error.required"));
        }
        if product.is_empty() {
            errs.push(FieldError::new("product", "error.required"));
        }
        let quantity = match self.quantity.trim().parse::<i64>() {
            Ok(q) if q > 0 => q,
            _ => {
                errs.push(FieldError::new("quantity", "error.positive_whole"));
                0
            }
        };
        let amount = match parse_money(&self.amount) {
            Some(a) => a,
            None => {
                errs.push(FieldError::new("amount", "error.money"));
                0
            }
        };
        match self.date {
            Some(d) if errs.is_empty() => Ok((d, product, quantity, amount)),
            _ => Err(errs),
        }
    }
}

/// `1234.5`, `1,234.50` or `¥1234` as cents; None when it is not a non-negative amount.
pub fn parse_money(s: &str) -> Option<i64> {
    let s: String = s
        .trim()
        .trim_start_matches(['¥', '$', '￥'])
        .chars()
        .filter(|c| *c != ',')
        .collect();
    let (whole, frac) = s.split_once('.').unwrap_or((&s, ""));
    if whole.is_empty() || !whole.chars().all(|c| c.is_ascii_digit()) || frac.len() > 2 {
        return None;
    }
    if !frac.chars().all(|c| c.is_ascii_digit()) {
        return None;
    }
    let cents = format!("{frac:0<2}").parse::<i64>().ok()?;
    whole
        .parse::<i64>()
        .ok()?
        .checked_mul(100)?
        .checked_add(cents)
}

/// `1234567` cents as `12,345.67`: grouped by thousands, as the department writes amounts.
pub fn format_money(cents: i64) -> String {
    let sign = if cents < 0 { "-" } else { "" };
    let cents = cents.unsigned_abs();
    let whole = (cents / 100).to_string();
    let mut grouped = String::new();
    for (i, ch) in whole.chars().enumerate() {
        if i > 0 && (whole.len() - i).is_multiple_of(3) {
            grouped.push(',');
        }
        grouped.push(ch);
    }
    format!("{sign}{grouped}.{:02}", cents % 100)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn customer_needs_code_name_and_a_valid_email() {
        let input = CustomerInput {
            name: " 王偉 ".into(),
            email: "not-an-email".into(),
            tier: Some(Tier::A),
            ..Default::default()
        };
        let errs = input.validate().unwrap_err();
        assert_eq!(
            errs,
            vec![
                FieldError::new("code", "error.required"),
                FieldError::new("email", "error.email")
            ]
        );
    }

    #[test]
    fn customer_is_cleaned() {
        let input = CustomerInput {
            code: "C001".into(),
            name: " 王偉 ".into(),
            tags: "重要，老客戶, 重要".into(),
            tier: Some(Tier::Vip),
            ..Default::default()
        };
        let c = input.validate().unwrap();
        assert_eq!(c.name, "王偉");
        assert_eq!(c.tags, "重要, 老客戶");
    }

    #[test]
    fn money_reads_common_forms() {
        assert_eq!(parse_money("1,234.5"), Some(123_450));
        assert_eq!(parse_money("¥80"), Some(8_000));
        assert_eq!(parse_money("-3"), None);
        assert_eq!(parse_money("1.234"), None);
        assert_eq!(format_money(123_450), "1,234.50");
        assert_eq!(format_money(9_231_000), "92,310.00");
        assert_eq!(format_money(5), "0.05");
    }

    #[test]
    fn purchase_needs_positive_quantity() {
        let p = PurchaseInput {
            date: NaiveDate::from_ymd_opt(2026, 1, 2),
            product: "茶具".into(),
            quantity: "0".into(),
            amount: "10".into(),
        };
        assert_eq!(
            p.validate().unwrap_err(),
            vec![FieldError::new("quantity", "error.positive_whole")]
        );
    }
}
