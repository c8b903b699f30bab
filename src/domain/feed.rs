//! A partner feed's write rules: its address, its schedule, how it is read.

use std::collections::BTreeMap;

use entity::{Audience, FeedFormat, Visibility};
use uuid::Uuid;

use super::event::DEFAULT_TIMEZONE;
use super::validate::{self, TITLE_MAX};
use super::{Checks, Invalid, Patch, put};
use crate::error::{AppError, AppResult};

/// Minutes between two pulls of a feed that names none.
pub const DEFAULT_INTERVAL: i32 = 60;
/// The fewest minutes between two pulls: partners' servers are not hammered.
pub const MIN_INTERVAL: i32 = 5;
/// The most minutes between two pulls: a week.
pub const MAX_INTERVAL: i32 = 7 * 24 * 60;

/// Whether a feed's address may be fetched: the SSRF guard's check of literal addresses,
/// which `feeds::fetch::AllowList` implements. The caller gives it, so these rules need no
/// fetcher.
pub trait Reachable {
    /// `Err` says why not, in the hub's words.
    fn check(&self, url: &url::Url) -> Result<(), String>;
}

/// Every field of a feed a user can set, validated.
#[derive(Clone, Debug, PartialEq)]
pub struct FeedFields {
    pub organisation_id: Uuid,
    pub name: String,
    pub url: String,
    pub format: FeedFormat,
    pub interval_minutes: i32,
    pub enabled: bool,
    pub default_visibility: Visibility,
    pub default_audiences: Vec<Audience>,
    pub timezone: String,
    pub use_publication_date: bool,
    pub csv_columns: BTreeMap<String, String>,
}

impl From<&entity::feed::Model> for FeedFields {
    fn from(m: &entity::feed::Model) -> Self {
        FeedFields {
            organisation_id: m.organisation_id,
            name: m.name.clone(),
            url: m.url.clone(),
            format: m.format,
            interval_minutes: m.interval_minutes,
            enabled: m.enabled,
            default_visibility: m.default_visibility,
            default_audiences: m.default_audiences.0.clone(),
            timezone: m.timezone.clone(),
            use_publication_date: m.use_publication_date,
            csv_columns: m.csv_columns.0.clone(),
        }
    }
}

/// A new feed as an entry point has it.
#[derive(Clone, Debug)]
pub struct FeedDraft {
    pub organisation_id: Uuid,
    pub name: String,
    pub url: String,
    pub format: FeedFormat,
    /// `DEFAULT_INTERVAL` when absent.
    pub interval_minutes: Option<i32>,
    pub enabled: bool,
    pub default_visibility: Visibility,
    pub default_audiences: Vec<Audience>,
    /// The zone of times written without one; `DEFAULT_TIMEZONE` when absent.
    pub timezone: Option<String>,
    pub use_publication_date: bool,
    /// CSV columns mapped to event fields: (the column's header, the field).
    pub csv_columns: Vec<(String, String)>,
}

/// A change to a feed, field by field (its organisation stays).
#[derive(Clone, Debug, Default)]
pub struct FeedPatch {
    pub name: Patch<String>,
    pub url: Patch<String>,
    pub format: Patch<FeedFormat>,
    pub interval_minutes: Patch<i32>,
    pub enabled: Patch<bool>,
    pub default_visibility: Patch<Visibility>,
    pub default_audiences: Patch<Vec<Audience>>,
    pub timezone: Patch<String>,
    pub use_publication_date: Patch<bool>,
    pub csv_columns: Patch<Vec<(String, String)>>,
}

/// A validated change: the new value of each field it changes.
#[derive(Clone, Debug)]
pub struct FeedChange {
    name: Option<String>,
    url: Option<String>,
    format: Option<FeedFormat>,
    interval_minutes: Option<i32>,
    enabled: Option<bool>,
    default_visibility: Option<Visibility>,
    default_audiences: Option<Vec<Audience>>,
    timezone: Option<String>,
    use_publication_date: Option<bool>,
    csv_columns: Option<BTreeMap<String, String>>,
}

fn name(value: &str) -> AppResult<String> {
    validate::text("name", value, TITLE_MAX)
}

/// A feed's address: an absolute http(s) URL that `guard` lets the hub fetch.
pub fn url(raw: &str, guard: &impl Reachable) -> AppResult<String> {
    let checked = validate::url("url", raw)?;
    let parsed = url::Url::parse(&checked).map_err(|_| AppError::bad_input("url", "url is not valid"))?;
    guard
        .check(&parsed)
        .map_err(|message| AppError::bad_input("url", message))?;
    Ok(checked)
}

fn interval(value: i32) -> AppResult<i32> {
    if (MIN_INTERVAL..=MAX_INTERVAL).contains(&value) {
        Ok(value)
    } else {
        Err(AppError::bad_input(
            "intervalMinutes",
            format!("intervalMinutes must be between {MIN_INTERVAL} and {MAX_INTERVAL}"),
        ))
    }
}

fn audiences(values: Vec<Audience>) -> Vec<Audience> {
    validate::dedup(values)
}

fn timezone(value: &str) -> AppResult<String> {
    validate::timezone("timezone", value)
}

/// Each column mapped to one of the fields the CSV reader fills (`feeds::csv::FIELDS`).
fn csv_columns(values: Vec<(String, String)>) -> AppResult<BTreeMap<String, String>> {
    let fields = crate::feeds::csv::FIELDS;
    let mut map = BTreeMap::new();
    for (column, field) in values {
        let column = validate::text("csvColumns", &column, TITLE_MAX)?;
        let field = field.trim().to_lowercase();
        if !fields.contains(&field.as_str()) {
            return Err(AppError::bad_input(
                "csvColumns",
                format!("{field:?} is not an event field; use one of {}", fields.join(", ")),
            ));
        }
        map.insert(column, field);
    }
    Ok(map)
}

impl FeedFields {
    /// A new feed, or every field it refuses.
    pub fn parse(d: FeedDraft, guard: &impl Reachable) -> Result<FeedFields, Invalid> {
        let mut c = Checks::default();
        // Checked in the order written.
        let fields = FeedFields {
            organisation_id: d.organisation_id,
            name: c.value(name(&d.name)),
            url: c.value(url(&d.url, guard)),
            format: d.format,
            interval_minutes: c.value(interval(d.interval_minutes.unwrap_or(DEFAULT_INTERVAL))),
            enabled: d.enabled,
            default_visibility: d.default_visibility,
            default_audiences: audiences(d.default_audiences),
            timezone: c.value(timezone(d.timezone.as_deref().unwrap_or(DEFAULT_TIMEZONE))),
            use_publication_date: d.use_publication_date,
            csv_columns: c.value(csv_columns(d.csv_columns)),
        };
        c.finish(fields)
    }
}

impl FeedChange {
    /// A change, or every field it refuses.
    pub fn parse(p: FeedPatch, guard: &impl Reachable) -> Result<FeedChange, Invalid> {
        let mut c = Checks::default();
        // Checked in the order written.
        let change = FeedChange {
            name: c.required("name", p.name, |v| name(&v)),
            url: c.required("url", p.url, |v| url(&v, guard)),
            format: c.required("format", p.format, Ok),
            interval_minutes: c.required("intervalMinutes", p.interval_minutes, interval),
            enabled: c.required("enabled", p.enabled, Ok),
            default_visibility: c.required("defaultVisibility", p.default_visibility, Ok),
            default_audiences: c.required("defaultAudiences", p.default_audiences, |v| Ok(audiences(v))),
            timezone: c.required("timezone", p.timezone, |v| timezone(&v)),
            use_publication_date: c.required("usePublicationDate", p.use_publication_date, Ok),
            csv_columns: c.required("csvColumns", p.csv_columns, csv_columns),
        };
        c.finish(change)
    }

    pub fn apply(self, f: &mut FeedFields) {
        put(&mut f.name, self.name);
        put(&mut f.url, self.url);
        put(&mut f.format, self.format);
        put(&mut f.interval_minutes, self.interval_minutes);
        put(&mut f.enabled, self.enabled);
        put(&mut f.default_visibility, self.default_visibility);
        put(&mut f.default_audiences, self.default_audiences);
        put(&mut f.timezone, self.timezone);
        put(&mut f.use_publication_date, self.use_publication_date);
        put(&mut f.csv_columns, self.csv_columns);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Refuses every literal address, as the guard does for private ones.
    struct NoLiterals;

    impl Reachable for NoLiterals {
        fn check(&self, url: &url::Url) -> Result<(), String> {
            match url.host() {
                Some(url::Host::Domain(_)) => Ok(()),
                _ => Err("no literal addresses".into()),
            }
        }
    }

    fn draft() -> FeedDraft {
        FeedDraft {
            organisation_id: Uuid::now_v7(),
            name: " Agenda ".into(),
            url: "https://agenda.example.org/events.ics".into(),
            format: FeedFormat::Auto,
            interval_minutes: None,
            enabled: true,
            default_visibility: Visibility::Public,
            default_audiences: Vec::new(),
            timezone: None,
            use_publication_date: false,
            csv_columns: vec![(" Titre ".into(), " Title ".into())],
        }
    }

    #[test]
    fn a_draft_takes_the_defaults() {
        let f = FeedFields::parse(draft(), &NoLiterals).expect("valid");
        assert_eq!((f.name.as_str(), f.interval_minutes), ("Agenda", DEFAULT_INTERVAL));
        assert_eq!(f.timezone, DEFAULT_TIMEZONE);
        assert_eq!(f.csv_columns.get("Titre").map(String::as_str), Some("title"));
    }

    #[test]
    fn the_interval_address_and_columns_are_bounded() {
        for minutes in [MIN_INTERVAL, MAX_INTERVAL] {
            let ok = FeedDraft {
                interval_minutes: Some(minutes),
                ..draft()
            };
            assert!(FeedFields::parse(ok, &NoLiterals).is_ok());
        }
        let invalid = FeedFields::parse(
            FeedDraft {
                url: "http://10.1.1.1/a.ics".into(),
                interval_minutes: Some(MIN_INTERVAL - 1),
                csv_columns: vec![("Titre".into(), "colour".into())],
                ..draft()
            },
            &NoLiterals,
        )
        .expect_err("refused");
        let messages: Vec<String> = invalid.errors().map(ToString::to_string).collect();
        assert_eq!(messages[0], "no literal addresses");
        assert_eq!(messages[1], "intervalMinutes must be between 5 and 10080");
        assert!(
            messages[2].starts_with("\"colour\" is not an event field"),
            "{}",
            messages[2]
        );
        let refused = FeedChange::parse(
            FeedPatch {
                url: Patch::Clear,
                ..Default::default()
            },
            &NoLiterals,
        )
        .expect_err("refused");
        assert_eq!(refused.first().to_string(), "url cannot be null");
    }
}
