//! Errors in the user's language: the store's errors and refusals through their locale keys,
//! everything else as its message already is.

use crate::i18n::Lang;
use crate::store::{Refusal, StoreError};

/// The text after `marketdesk: ` on stderr. Causes are joined with `: ` as `{:#}` joins them;
/// a store error is translated and ends the chain (its sources are in its own words).
pub fn error_text(lang: Lang, e: &anyhow::Error) -> String {
    let mut parts = Vec::new();
    for cause in e.chain() {
        if let Some(s) = cause.downcast_ref::<StoreError>() {
            parts.push(lang.render(&s.message()));
            break;
        }
        if let Some(r) = cause.downcast_ref::<Refusal>() {
            parts.push(lang.render(&r.message()));
            break;
        }
        parts.push(cause.to_string());
    }
    parts.join(": ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::Damage;
    use std::path::PathBuf;

    fn refusals() -> Vec<Refusal> {
        let path = PathBuf::from("/data/desk.db");
        let mut all = vec![
            Refusal::NewerVersion {
                path: path.clone(),
                found: 9,
                known: 1,
            },
            Refusal::Locked { path: path.clone() },
            Refusal::NetworkFilesystem {
                path: path.clone(),
                fs: "NFS".into(),
            },
            Refusal::FolderNotWritable {
                path: path.clone(),
                dir: "/data".into(),
                detail: "Permission denied (os error 13)".into(),
            },
            Refusal::Cannot {
                path: path.clone(),
                detail: "unable to open database file".into(),
            },
        ];
        for damage in [
            Damage::NoHeader,
            Damage::ShortHeader,
            Damage::PageSize,
            Damage::Truncated,
            Damage::ForeignTables,
            Damage::Version(-1),
            Damage::Sqlite("file is not a database".into()),
        ] {
            all.push(Refusal::Damaged {
                path: path.clone(),
                damage,
            });
        }
        all
    }

    /// The store's English `Display` and `en.toml` say the same, so neither drifts.
    #[test]
    fn english_refusals_read_as_the_store_words_them() {
        for r in refusals() {
            assert_eq!(Lang::En.render(&r.message()), r.to_string());
        }
    }

    #[test]
    fn every_refusal_says_nothing_changed_and_names_the_file_in_every_language() {
        for r in refusals() {
            for (lang, nothing) in [
                (Lang::En, "Nothing was changed"),
                (Lang::ZhHant, "未作任何更改"),
                (Lang::ZhHans, "未做任何更改"),
            ] {
                let text = error_text(lang, &anyhow::Error::from(StoreError::from(r.clone())));
                assert!(text.starts_with("/data/desk.db"), "{text}");
                assert!(text.contains(nothing), "{text}");
                assert!(!text.contains("%{"), "{text}");
            }
        }
    }

    #[test]
    fn store_errors_are_translated_and_context_is_kept() {
        let e =
            anyhow::Error::from(StoreError::Duplicate { field: "code" }).context("importing x.csv");
        assert_eq!(
            error_text(Lang::ZhHant, &e),
            "importing x.csv: 已有其他記錄使用此編號。未儲存任何內容：請改用其他值。"
        );
        let e = anyhow::Error::from(StoreError::Stale {
            record: "follow_up",
        });
        assert!(error_text(Lang::ZhHans, &e).starts_with("此客户回访"));
        let plain = anyhow::anyhow!("plain");
        assert_eq!(error_text(Lang::ZhHans, &plain), "plain");
    }
}
