//! The three languages: choosing one, and looking up a string in `assets/locales`.
//! The locale is always passed explicitly: rust-i18n's global locale races in parallel tests.

use rust_i18n::t;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Lang {
    #[default]
    En,
    ZhHant,
    ZhHans,
}

impl Lang {
    pub const ALL: [Lang; 3] = [Lang::En, Lang::ZhHant, Lang::ZhHans];

    pub fn code(self) -> &'static str {
        match self {
            Lang::En => "en",
            Lang::ZhHant => "zh-Hant",
            Lang::ZhHans => "zh-Hans",
        }
    }

    /// Reads `en`, `zh-Hant`, `zh-Hans` and the usual spellings (`zh_TW`, `zh-CN`, `zh_HK.UTF-8` …).
    pub fn parse(s: &str) -> Option<Lang> {
        let s = s
            .split('.')
            .next()
            .unwrap_or("")
            .replace('_', "-")
            .to_lowercase();
        if s == "en" || s.starts_with("en-") {
            return Some(Lang::En);
        }
        if s == "zh-hant"
            || ["zh-tw", "zh-hk", "zh-mo", "zh-hant-"]
                .iter()
                .any(|p| s.starts_with(p))
        {
            return Some(Lang::ZhHant);
        }
        if s == "zh" || s.starts_with("zh-") {
            return Some(Lang::ZhHans);
        }
        if s == "c" || s == "posix" {
            return Some(Lang::En);
        }
        None
    }

    /// From LC_ALL, then LC_MESSAGES, then LANG, as POSIX orders them.
    pub fn from_env() -> Option<Lang> {
        ["LC_ALL", "LC_MESSAGES", "LANG"]
            .iter()
            .filter_map(|v| std::env::var(v).ok())
            .find(|v| !v.is_empty())
            .and_then(|v| Lang::parse(&v))
    }

    pub fn tr(self, key: &str) -> String {
        t!(key, locale = self.code()).into_owned()
    }

    /// A string with `%{name}` placeholders filled in.
    pub fn tr_with(self, key: &str, args: &[(&str, &str)]) -> String {
        let mut s = self.tr(key);
        for (name, value) in args {
            s = s.replace(&format!("%{{{name}}}"), value);
        }
        s
    }
}

/// A message in no language yet: a locale key and the values of its `%{name}` placeholders.
/// The store words its errors this way, so it never depends on a language.
#[derive(Debug, Clone, PartialEq)]
pub struct Message {
    pub key: &'static str,
    pub args: Vec<(&'static str, MessageArg)>,
}

/// A placeholder's value: text shown as it is, or a message of its own, translated in turn.
#[derive(Debug, Clone, PartialEq)]
pub enum MessageArg {
    Text(String),
    Message(Message),
}

impl Message {
    pub fn new(key: &'static str) -> Message {
        Message {
            key,
            args: Vec::new(),
        }
    }

    pub fn with(mut self, name: &'static str, value: impl ToString) -> Message {
        self.args.push((name, MessageArg::Text(value.to_string())));
        self
    }

    pub fn with_message(mut self, name: &'static str, value: Message) -> Message {
        self.args.push((name, MessageArg::Message(value)));
        self
    }
}

impl Lang {
    /// A message in this language. Placeholders are filled in one pass, so a value that
    /// happens to contain `%{…}` (a file name, say) is shown as it is.
    pub fn render(self, msg: &Message) -> String {
        let template = self.tr(msg.key);
        let mut out = String::with_capacity(template.len());
        let mut rest = template.as_str();
        while let Some(start) = rest.find("%{") {
            out.push_str(&rest[..start]);
            let after = &rest[start + 2..];
            let Some(end) = after.find('}') else {
                rest = &rest[start..];
                break;
            };
            let name = &after[..end];
            match msg.args.iter().find(|(n, _)| *n == name) {
                Some((_, MessageArg::Text(t))) => out.push_str(t),
                Some((_, MessageArg::Message(m))) => out.push_str(&self.render(m)),
                None => out.push_str(&rest[start..start + 2 + end + 1]),
            }
            rest = &after[end + 1..];
        }
        out.push_str(rest);
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeSet;

    fn keys(value: &toml::Value, prefix: &str, out: &mut BTreeSet<String>) {
        if let toml::Value::Table(t) = value {
            for (k, v) in t {
                let key = if prefix.is_empty() {
                    k.clone()
                } else {
                    format!("{prefix}.{k}")
                };
                if v.is_table() {
                    keys(v, &key, out)
                } else {
                    out.insert(key);
                }
            }
        }
    }

    fn locale_keys(lang: Lang) -> BTreeSet<String> {
        let path = format!(
            "{}/assets/locales/{}.toml",
            env!("CARGO_MANIFEST_DIR"),
            lang.code()
        );
        let text = std::fs::read_to_string(&path).unwrap();
        let value: toml::Value = toml::from_str(&text).unwrap();
        let mut out = BTreeSet::new();
        keys(&value, "", &mut out);
        out
    }

    #[test]
    fn every_locale_has_every_key() {
        let en = locale_keys(Lang::En);
        for lang in [Lang::ZhHant, Lang::ZhHans] {
            let other = locale_keys(lang);
            let missing: Vec<_> = en.difference(&other).collect();
            let extra: Vec<_> = other.difference(&en).collect();
            assert!(missing.is_empty(), "{} lacks {missing:?}", lang.code());
            assert!(
                extra.is_empty(),
                "{} has keys English lacks: {extra:?}",
                lang.code()
            );
        }
    }

    /// Every key-like string literal in the code (`"section.name"` with a known section)
    /// must be in the locale files, so a typo cannot show a raw key on screen.
    #[test]
    fn every_key_the_code_names_exists() {
        let en = locale_keys(Lang::En);
        let sections: BTreeSet<&str> = en.iter().filter_map(|k| k.split('.').next()).collect();
        let mut missing = Vec::new();
        let mut stack = vec![std::path::PathBuf::from(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/src"
        ))];
        while let Some(p) = stack.pop() {
            if p.is_dir() {
                stack.extend(std::fs::read_dir(&p).unwrap().map(|e| e.unwrap().path()));
                continue;
            }
            let src = std::fs::read_to_string(&p).unwrap();
            for lit in src.split('"').skip(1).step_by(2) {
                let Some((section, rest)) = lit.split_once('.') else {
                    continue;
                };
                let plain = !rest.is_empty()
                    && lit.chars().all(|c| {
                        c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_' || c == '.'
                    });
                if plain && sections.contains(section) && !en.contains(lit) {
                    missing.push(format!("{}: {lit}", p.display()));
                }
            }
        }
        assert!(
            missing.is_empty(),
            "keys missing from en.toml: {missing:#?}"
        );
    }

    #[test]
    fn languages_from_locale_names() {
        assert_eq!(Lang::parse("zh_TW.UTF-8"), Some(Lang::ZhHant));
        assert_eq!(Lang::parse("zh-Hant"), Some(Lang::ZhHant));
        assert_eq!(Lang::parse("zh_CN.UTF-8"), Some(Lang::ZhHans));
        assert_eq!(Lang::parse("en_US.UTF-8"), Some(Lang::En));
        assert_eq!(Lang::parse("fr_FR.UTF-8"), None);
        assert_eq!(Lang::ZhHant.tr("app.name"), "MarketDesk");
    }

    #[test]
    fn messages_fill_placeholders_once_and_nest() {
        let inner = Message::new("storage.damage_version").with("version", -3);
        let msg = Message::new("storage.damaged")
            .with("path", "/tmp/%{detail}.db")
            .with_message("detail", inner);
        let en = Lang::En.render(&msg);
        assert!(en.starts_with("/tmp/%{detail}.db: "), "{en}");
        assert!(en.contains("schema version -3"), "{en}");
        let hant = Lang::ZhHant.render(&msg);
        assert!(hant.contains("-3") && hant.contains("資料庫"), "{hant}");
    }
}
