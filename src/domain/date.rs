//! Dates as people type them in a form: `2026-12-01`, `12-01`, `today`, `tomorrow`,
//! `+3d`, `+2w` (and 今天 / 明天), read relative to a given today.

use chrono::{Datelike, Duration, NaiveDate};

/// Reads a typed date. The error is a locale key.
pub fn parse(input: &str, today: NaiveDate) -> Result<NaiveDate, &'static str> {
    let s = input.trim().to_lowercase();
    match s.as_str() {
        "" => return Err("error.date_empty"),
        "today" | "t" | "今天" | "今日" => return Ok(today),
        "tomorrow" | "明天" | "明日" => return Ok(today + Duration::days(1)),
        "yesterday" | "昨天" | "昨日" => return Ok(today - Duration::days(1)),
        _ => {}
    }
    if let Some(body) = s.strip_prefix('+') {
        return relative(1, body, today);
    }
    if let Some(body) = s.strip_prefix('-') {
        return relative(-1, body, today);
    }
    if let Ok(d) = NaiveDate::parse_from_str(&s, "%Y-%m-%d") {
        return Ok(d);
    }
    if let Ok(d) = NaiveDate::parse_from_str(&s, "%Y/%m/%d") {
        return Ok(d);
    }
    let parts: Vec<&str> = s.split(['-', '/']).collect();
    if let [m, d] = parts[..] {
        let (Ok(m), Ok(d)) = (m.parse::<u32>(), d.parse::<u32>()) else {
            return Err("error.date_format");
        };
        return NaiveDate::from_ymd_opt(today.year(), m, d).ok_or("error.date_invalid");
    }
    Err("error.date_format")
}

fn relative(sign: i64, body: &str, today: NaiveDate) -> Result<NaiveDate, &'static str> {
    let (num, unit) = match body.char_indices().find(|(_, c)| !c.is_ascii_digit()) {
        Some((i, _)) => body.split_at(i),
        None => (body, "d"),
    };
    let n: i64 = num.parse().map_err(|_| "error.date_format")?;
    let days = match unit {
        "d" | "天" => Some(n),
        "w" | "週" | "周" => n.checked_mul(7),
        _ => return Err("error.date_format"),
    };
    days.and_then(|d| Duration::try_days(sign * d))
        .and_then(|d| today.checked_add_signed(d))
        .ok_or("error.date_invalid")
}

/// The stored form of a date.
pub fn format(d: NaiveDate) -> String {
    d.format("%Y-%m-%d").to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 11, 30).unwrap()
    }

    #[test]
    fn shortcuts() {
        let t = today();
        assert_eq!(parse("today", t), Ok(t));
        assert_eq!(
            parse("明天", t),
            Ok(NaiveDate::from_ymd_opt(2026, 12, 1).unwrap())
        );
        assert_eq!(
            parse("+3d", t),
            Ok(NaiveDate::from_ymd_opt(2026, 12, 3).unwrap())
        );
        assert_eq!(
            parse("+2w", t),
            Ok(NaiveDate::from_ymd_opt(2026, 12, 14).unwrap())
        );
        assert_eq!(
            parse("+5", t),
            Ok(NaiveDate::from_ymd_opt(2026, 12, 5).unwrap())
        );
        assert_eq!(
            parse("-1d", t),
            Ok(NaiveDate::from_ymd_opt(2026, 11, 29).unwrap())
        );
    }

    #[test]
    fn full_and_short_dates() {
        let t = today();
        assert_eq!(
            parse("2026-12-01", t),
            Ok(NaiveDate::from_ymd_opt(2026, 12, 1).unwrap())
        );
        assert_eq!(
            parse("12-01", t),
            Ok(NaiveDate::from_ymd_opt(2026, 12, 1).unwrap())
        );
        assert_eq!(
            parse("2027/1/5", t),
            Ok(NaiveDate::from_ymd_opt(2027, 1, 5).unwrap())
        );
    }

    #[test]
    fn bad_dates_say_why() {
        let t = today();
        assert_eq!(parse("", t), Err("error.date_empty"));
        assert_eq!(parse("02-30", t), Err("error.date_invalid"));
        assert_eq!(parse("next week", t), Err("error.date_format"));
        assert_eq!(parse("+3y", t), Err("error.date_format"));
        assert_eq!(parse("+99999999999w", t), Err("error.date_invalid"));
    }
}
