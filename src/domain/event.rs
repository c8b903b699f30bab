//! An event's write rules: the shared agenda. Events typed in (GraphQL, imports, the demo
//! data) are refused when a field breaks a rule; events a partner's feed brings are cut to
//! fit instead (`EventFields::lenient`), since the partner is not there to correct them.

use chrono::{DateTime, NaiveDate, Utc};
use entity::{Audience, EventStatus, Region, Visibility};
use uuid::Uuid;

use super::validate::{self, LONG_TEXT_MAX, TAG_MAX, TAGS_MAX, TITLE_MAX, URL_MAX, cut};
use super::{Checks, Invalid, Patch, put};
use crate::error::{AppError, AppResult};
use crate::places::{self, PlaceParts};

/// The zone of an event that names none.
pub const DEFAULT_TIMEZONE: &str = "Europe/Paris";
const ADDRESS_MAX: usize = 300;
/// What a feed's postal code is cut to.
const FEED_POSTAL_CODE_MAX: usize = 16;
/// What a feed's too long description is cut to, leaving room for the tags its cleaning
/// closes again.
const FEED_DESCRIPTION_CUT: usize = LONG_TEXT_MAX - 100;

/// An event's start or end as an entry point has it: an instant, or a calendar day (an
/// all-day event given by its dates).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Moment {
    At(DateTime<Utc>),
    Day(NaiveDate),
}

/// An event's start, end and all-day flag, once its moments are instants.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Times {
    pub starts_at: DateTime<Utc>,
    pub ends_at: Option<DateTime<Utc>>,
    pub all_day: bool,
}

/// The instants of an event given by moments that may be days, read in `timezone` (an IANA
/// zone; one that is not falls back to `DEFAULT_TIMEZONE`, its own refusal coming from the
/// zone's rule). A day makes the event all-day: a start is the midnight that begins its day,
/// an end the midnight after its day (the last day, inclusive, as people write it; stored
/// exclusive, as iCalendar has it). `all_day` is what the input says (`None`: not said); an
/// event not said otherwise stays as `currently_all_day`, or becomes all-day when a day is
/// given. A day with `all_day: Some(false)` is refused, naming its field.
pub fn times(
    starts: Moment,
    ends: Option<Moment>,
    all_day: Option<bool>,
    currently_all_day: bool,
    timezone: &str,
) -> AppResult<Times> {
    let any_day = matches!(starts, Moment::Day(_)) || matches!(ends, Some(Moment::Day(_)));
    if all_day == Some(false) && any_day {
        let field = if matches!(starts, Moment::Day(_)) {
            "startsAt"
        } else {
            "endsAt"
        };
        return Err(AppError::bad_input(
            field,
            format!(
                "{field} est une date seule : un événement donné par ses dates dure toute la journée (allDay: true, ou rien), \
                 sinon donnez une date et une heure (2027-03-08T09:30:00+01:00) / \
                 {field} is a date alone: an event given by its dates is all-day (allDay: true, or leave allDay out); \
                 otherwise give a date and time (2027-03-08T09:30:00+01:00)"
            ),
        ));
    }
    let zone = timezone
        .trim()
        .parse::<chrono_tz::Tz>()
        .unwrap_or(chrono_tz::Europe::Paris);
    let starts_at = match starts {
        Moment::At(at) => at,
        Moment::Day(day) => crate::feeds::time::midnight(zone, day),
    };
    let ends_at = match ends {
        None => None,
        Some(Moment::At(at)) => Some(at),
        Some(Moment::Day(day)) => {
            let after = day
                .succ_opt()
                .ok_or_else(|| AppError::bad_input("endsAt", "endsAt is out of range"))?;
            Some(crate::feeds::time::midnight(zone, after))
        }
    };
    Ok(Times {
        starts_at,
        ends_at,
        all_day: all_day.unwrap_or(currently_all_day || any_day),
    })
}

/// The days an event covers in its zone: the day it starts on and the day it ends on,
/// inclusive. An end at a midnight after the start ends the day before (how all-day events
/// are stored); no end, the day it starts on. A zone that is not one is read as UTC.
pub fn local_days(starts_at: DateTime<Utc>, ends_at: Option<DateTime<Utc>>, timezone: &str) -> (NaiveDate, NaiveDate) {
    let zone = timezone.parse::<chrono_tz::Tz>().unwrap_or(chrono_tz::UTC);
    let first = starts_at.with_timezone(&zone).date_naive();
    let last = ends_at.map_or(first, |end| {
        let local = end.with_timezone(&zone);
        let day = local.date_naive();
        if local.time() == chrono::NaiveTime::MIN && day > first {
            day.pred_opt().unwrap_or(day)
        } else {
            day.max(first)
        }
    });
    (first, last)
}

/// Every field of an event a user can set, validated.
#[derive(Clone, Debug, PartialEq)]
pub struct EventFields {
    pub title: String,
    pub description: Option<String>,
    pub location_name: Option<String>,
    pub address: Option<String>,
    pub postal_code: Option<String>,
    pub city: Option<String>,
    pub departement: Option<String>,
    pub region: Option<Region>,
    pub latitude: Option<f64>,
    pub longitude: Option<f64>,
    pub starts_at: DateTime<Utc>,
    pub ends_at: Option<DateTime<Utc>>,
    pub all_day: bool,
    pub timezone: String,
    pub open_to_public: bool,
    pub url: Option<String>,
    pub author: Option<String>,
    pub organiser_id: Option<Uuid>,
    pub organiser_name: Option<String>,
    pub audiences: Vec<Audience>,
    pub tags: Vec<String>,
    pub status: EventStatus,
    pub visibility: Visibility,
}

impl From<&entity::event::Model> for EventFields {
    fn from(m: &entity::event::Model) -> Self {
        EventFields {
            title: m.title.clone(),
            description: m.description.clone(),
            location_name: m.location_name.clone(),
            address: m.address.clone(),
            postal_code: m.postal_code.clone(),
            city: m.city.clone(),
            departement: m.departement.clone(),
            region: m.region,
            latitude: m.latitude,
            longitude: m.longitude,
            starts_at: m.starts_at,
            ends_at: m.ends_at,
            all_day: m.all_day,
            timezone: m.timezone.clone(),
            open_to_public: m.open_to_public,
            url: m.url.clone(),
            author: m.author.clone(),
            organiser_id: m.organiser_id,
            organiser_name: m.organiser_name.clone(),
            audiences: m.audiences.0.clone(),
            tags: m.tags.0.clone(),
            status: m.status,
            visibility: m.visibility,
        }
    }
}

/// Where an event takes place; every field is optional.
#[derive(Clone, Debug, Default)]
pub struct LocationDraft {
    pub name: Option<String>,
    pub address: Option<String>,
    pub postal_code: Option<String>,
    pub city: Option<String>,
    pub departement: Option<String>,
    pub region: Option<Region>,
    pub latitude: Option<f64>,
    pub longitude: Option<f64>,
}

/// A new event as an entry point has it.
#[derive(Clone, Debug)]
pub struct EventDraft {
    pub title: String,
    pub description: Option<String>,
    pub location: LocationDraft,
    pub starts_at: DateTime<Utc>,
    pub ends_at: Option<DateTime<Utc>>,
    pub all_day: bool,
    /// An IANA zone; `DEFAULT_TIMEZONE` when absent.
    pub timezone: Option<String>,
    pub open_to_public: bool,
    pub url: Option<String>,
    pub author: Option<String>,
    pub organiser_id: Option<Uuid>,
    pub organiser_name: Option<String>,
    pub audiences: Vec<Audience>,
    pub tags: Vec<String>,
    pub status: EventStatus,
    pub visibility: Visibility,
}

/// A change to an event, field by field. A location given replaces the whole location;
/// `Clear` removes it.
#[derive(Clone, Debug, Default)]
pub struct EventPatch {
    pub title: Patch<String>,
    pub description: Patch<String>,
    pub location: Patch<LocationDraft>,
    pub starts_at: Patch<DateTime<Utc>>,
    pub ends_at: Patch<DateTime<Utc>>,
    pub all_day: Patch<bool>,
    pub timezone: Patch<String>,
    pub open_to_public: Patch<bool>,
    pub url: Patch<String>,
    pub author: Patch<String>,
    pub organiser_id: Patch<Uuid>,
    pub organiser_name: Patch<String>,
    pub audiences: Patch<Vec<Audience>>,
    pub tags: Patch<Vec<String>>,
    pub status: Patch<EventStatus>,
    pub visibility: Patch<Visibility>,
}

/// A validated location.
#[derive(Clone, Debug, Default)]
struct Place {
    name: Option<String>,
    address: Option<String>,
    postal_code: Option<String>,
    city: Option<String>,
    departement: Option<String>,
    region: Option<Region>,
    latitude: Option<f64>,
    longitude: Option<f64>,
}

/// A validated change: the new value of each field it changes.
#[derive(Clone, Debug)]
pub struct EventChange {
    title: Option<String>,
    description: Option<Option<String>>,
    place: Option<Place>,
    starts_at: Option<DateTime<Utc>>,
    ends_at: Option<Option<DateTime<Utc>>>,
    all_day: Option<bool>,
    timezone: Option<String>,
    open_to_public: Option<bool>,
    url: Option<Option<String>>,
    author: Option<Option<String>>,
    organiser_id: Option<Option<Uuid>>,
    organiser_name: Option<Option<String>>,
    audiences: Option<Vec<Audience>>,
    tags: Option<Vec<String>>,
    status: Option<EventStatus>,
    visibility: Option<Visibility>,
}

/// An event a feed brought, as the hub keeps it.
#[derive(Clone, Debug)]
pub struct FromFeed {
    pub fields: EventFields,
    /// What was dropped to keep it, or could not be placed, for the run's warnings.
    pub notes: Vec<String>,
}

fn title(value: &str) -> AppResult<String> {
    validate::text("title", value, TITLE_MAX)
}

fn description(value: Option<String>) -> AppResult<Option<String>> {
    validate::opt_rich_text("description", value)
}

fn timezone(value: &str) -> AppResult<String> {
    validate::timezone("timezone", value)
}

fn url(value: Option<String>) -> AppResult<Option<String>> {
    validate::opt_url("url", value)
}

fn author(value: Option<String>) -> AppResult<Option<String>> {
    validate::opt_text("author", value, TITLE_MAX)
}

fn organiser_name(value: Option<String>) -> AppResult<Option<String>> {
    validate::opt_text("organiserName", value, TITLE_MAX)
}

fn audiences(values: Vec<Audience>) -> Vec<Audience> {
    validate::dedup(values)
}

fn tags(values: Vec<String>) -> AppResult<Vec<String>> {
    validate::tags("tags", values)
}

fn place(c: &mut Checks, l: LocationDraft) -> Place {
    let name = c.value(validate::opt_text("location.name", l.name, TITLE_MAX));
    let address = c.value(validate::opt_text("location.address", l.address, ADDRESS_MAX));
    let postal_code = c.value(validate::opt_postal_code("location.postalCode", l.postal_code));
    let city = c.value(validate::opt_text("location.city", l.city, TITLE_MAX));
    let departement = c.value(validate::opt_departement("location.departement", l.departement));
    let latitude = c.ok(validate::latitude("location.latitude", l.latitude));
    let longitude = c.ok(validate::longitude("location.longitude", l.longitude));
    // Asked only of coordinates that are each valid.
    if let (Some(lat), Some(lon)) = (latitude, longitude)
        && lat.is_some() != lon.is_some()
    {
        c.refuse(AppError::bad_input(
            "location.longitude",
            "give both latitude and longitude, or neither",
        ));
    }
    let mut place = Place {
        name,
        address,
        postal_code,
        city,
        departement,
        region: l.region,
        latitude: latitude.flatten(),
        longitude: longitude.flatten(),
    };
    place.complete();
    place
}

impl Place {
    /// Fills the postal code, city, département and région it lacks from what it holds (or,
    /// holding neither a postal code nor a city, from its name and address read as one line
    /// each), never changing what it holds: see `places::complete`.
    fn complete(&mut self) -> Option<places::Note> {
        let mut parts = PlaceParts {
            postal_code: self.postal_code.take(),
            city: self.city.take(),
            departement: self.departement.take(),
            region: self.region.take(),
        };
        let note = places::complete(&mut parts, &[self.name.as_deref(), self.address.as_deref()]);
        self.postal_code = parts.postal_code;
        self.city = parts.city;
        self.departement = parts.departement;
        self.region = parts.region;
        note
    }
}

impl EventFields {
    /// A new event, or every field it refuses.
    pub fn parse(d: EventDraft) -> Result<EventFields, Invalid> {
        let mut c = Checks::default();
        // Checked in this order: the location last.
        let title = c.value(title(&d.title));
        let description = c.value(description(d.description));
        let timezone = c.value(timezone(d.timezone.as_deref().unwrap_or(DEFAULT_TIMEZONE)));
        let url = c.value(url(d.url));
        let author = c.value(author(d.author));
        let organiser_name = c.value(organiser_name(d.organiser_name));
        let tags = c.value(tags(d.tags));
        let place = place(&mut c, d.location);
        c.finish(EventFields {
            title,
            description,
            location_name: place.name,
            address: place.address,
            postal_code: place.postal_code,
            city: place.city,
            departement: place.departement,
            region: place.region,
            latitude: place.latitude,
            longitude: place.longitude,
            starts_at: d.starts_at,
            ends_at: d.ends_at,
            all_day: d.all_day,
            timezone,
            open_to_public: d.open_to_public,
            url,
            author,
            organiser_id: d.organiser_id,
            organiser_name,
            audiences: audiences(d.audiences),
            tags,
            status: d.status,
            visibility: d.visibility,
        })
    }

    /// An event as a partner's feed gives it, taken as it comes: texts too long are cut,
    /// values that break a rule dropped (a zone that is not one becomes `fallback_timezone`),
    /// and only an event without a title is skipped (`Err`, the reason). A description goes
    /// through the one HTML rule (`rich_text::sanitise`), after it is cut when too long, so
    /// that no tag is left open.
    pub fn lenient(d: EventDraft, fallback_timezone: &str) -> Result<FromFeed, &'static str> {
        if d.title.is_empty() {
            return Err("no title, skipped");
        }
        let mut notes = Vec::new();
        let ends_at = match d.ends_at {
            Some(end) if end < d.starts_at => {
                notes.push("ends before it starts, end dropped".to_string());
                None
            }
            other => other,
        };
        let timezone = d
            .timezone
            .and_then(|tz| validate::timezone("timezone", &tz).ok())
            .unwrap_or_else(|| fallback_timezone.to_string());
        let tags =
            validate::tags("tags", d.tags.iter().take(TAGS_MAX).map(|t| cut(t, TAG_MAX)).collect()).unwrap_or_default();
        let l = d.location;
        let fields = EventFields {
            title: cut(&d.title, TITLE_MAX),
            description: d
                .description
                .map(|text| {
                    if text.chars().count() > LONG_TEXT_MAX {
                        super::rich_text::sanitise(&cut(&text, FEED_DESCRIPTION_CUT))
                    } else {
                        super::rich_text::sanitise(&text)
                    }
                })
                .filter(|text| !text.is_empty()),
            location_name: l.name.map(|v| cut(&v, TITLE_MAX)),
            address: l.address.map(|v| cut(&v, TITLE_MAX)),
            postal_code: l.postal_code.map(|v| cut(&v, FEED_POSTAL_CODE_MAX)),
            city: l.city.map(|v| cut(&v, TITLE_MAX)),
            departement: validate::opt_departement("departement", l.departement).ok().flatten(),
            region: l.region,
            latitude: validate::latitude("latitude", l.latitude).ok().flatten(),
            longitude: validate::longitude("longitude", l.longitude).ok().flatten(),
            starts_at: d.starts_at,
            ends_at,
            all_day: d.all_day,
            timezone,
            open_to_public: d.open_to_public,
            url: d.url.filter(|u| u.len() <= URL_MAX),
            author: d.author.map(|v| cut(&v, TITLE_MAX)),
            organiser_id: d.organiser_id,
            organiser_name: d.organiser_name.map(|v| cut(&v, TITLE_MAX)),
            audiences: d.audiences,
            tags,
            status: d.status,
            visibility: d.visibility,
        };
        let mut fields = fields;
        let mut place = Place {
            name: fields.location_name.take(),
            address: fields.address.take(),
            postal_code: fields.postal_code.take(),
            city: fields.city.take(),
            departement: fields.departement.take(),
            region: fields.region.take(),
            latitude: None,
            longitude: None,
        };
        if let Some(note) = place.complete() {
            notes.push(note.to_string());
        }
        fields.location_name = place.name;
        fields.address = place.address;
        fields.postal_code = place.postal_code;
        fields.city = place.city;
        fields.departement = place.departement;
        fields.region = place.region;
        Ok(FromFeed { fields, notes })
    }

    /// Why its place could not be completed, if it could not (a postal code the official
    /// table does not know, and nothing else to place it by): for an import's warnings.
    pub fn place_note(&self) -> Option<places::Note> {
        let code = self.postal_code.as_deref()?;
        let known = places::postal_code_in(code).is_some_and(places::is_known_postal_code);
        (self.departement.is_none() && !known).then(|| places::Note::UnknownPostalCode(code.to_string()))
    }

    /// The rule across fields, asked of the whole record: of a new one, and of one a change
    /// was applied to.
    pub fn check_times(&self) -> AppResult<()> {
        validate::time_range("endsAt", self.starts_at, self.ends_at)
    }
}

impl EventChange {
    /// A change, or every field it refuses.
    pub fn parse(p: EventPatch) -> Result<EventChange, Invalid> {
        let mut c = Checks::default();
        // Checked in the order written.
        let change = EventChange {
            title: c.required("title", p.title, |v| title(&v)),
            description: c.optional(p.description, description),
            place: match p.location {
                Patch::Keep => None,
                Patch::Clear => Some(place(&mut c, LocationDraft::default())),
                Patch::Set(l) => Some(place(&mut c, l)),
            },
            starts_at: c.required("startsAt", p.starts_at, Ok),
            ends_at: c.optional(p.ends_at, Ok),
            all_day: c.required("allDay", p.all_day, Ok),
            timezone: c.required("timezone", p.timezone, |v| timezone(&v)),
            open_to_public: c.required("openToPublic", p.open_to_public, Ok),
            url: c.optional(p.url, url),
            author: c.optional(p.author, author),
            organiser_id: c.optional(p.organiser_id, Ok),
            organiser_name: c.optional(p.organiser_name, organiser_name),
            audiences: c.required("audiences", p.audiences, |v| Ok(audiences(v))),
            tags: c.required("tags", p.tags, tags),
            status: c.required("status", p.status, Ok),
            visibility: c.required("visibility", p.visibility, Ok),
        };
        c.finish(change)
    }

    pub fn apply(self, f: &mut EventFields) {
        put(&mut f.title, self.title);
        put(&mut f.description, self.description);
        if let Some(place) = self.place {
            f.location_name = place.name;
            f.address = place.address;
            f.postal_code = place.postal_code;
            f.city = place.city;
            f.departement = place.departement;
            f.region = place.region;
            f.latitude = place.latitude;
            f.longitude = place.longitude;
        }
        put(&mut f.starts_at, self.starts_at);
        put(&mut f.ends_at, self.ends_at);
        put(&mut f.all_day, self.all_day);
        put(&mut f.timezone, self.timezone);
        put(&mut f.open_to_public, self.open_to_public);
        put(&mut f.url, self.url);
        put(&mut f.author, self.author);
        put(&mut f.organiser_id, self.organiser_id);
        put(&mut f.organiser_name, self.organiser_name);
        put(&mut f.audiences, self.audiences);
        put(&mut f.tags, self.tags);
        put(&mut f.status, self.status);
        put(&mut f.visibility, self.visibility);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(rfc3339: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(rfc3339)
            .expect("a date")
            .with_timezone(&Utc)
    }

    fn draft() -> EventDraft {
        EventDraft {
            title: " Forum des métiers ".into(),
            description: None,
            location: LocationDraft {
                city: Some("Besançon".into()),
                departement: Some("25".into()),
                ..Default::default()
            },
            starts_at: at("2027-03-14T09:30:00+01:00"),
            ends_at: None,
            all_day: false,
            timezone: None,
            open_to_public: true,
            url: None,
            author: None,
            organiser_id: None,
            organiser_name: None,
            audiences: vec![Audience::Lycee, Audience::College, Audience::Lycee],
            tags: vec!["Industrie".into()],
            status: EventStatus::Scheduled,
            visibility: Visibility::Public,
        }
    }

    fn fields(invalid: &Invalid) -> Vec<String> {
        invalid
            .errors()
            .map(|e| match e {
                AppError::BadUserInput { field, .. } => field.clone(),
                other => panic!("{other:?}"),
            })
            .collect()
    }

    #[test]
    fn a_draft_is_normalised_with_its_defaults() {
        let f = EventFields::parse(draft()).expect("valid");
        assert_eq!(f.title, "Forum des métiers");
        assert_eq!(f.timezone, DEFAULT_TIMEZONE);
        assert_eq!(f.city.as_deref(), Some("Besançon"));
        assert_eq!(f.audiences, [Audience::Lycee, Audience::College]);
        assert_eq!(f.tags, ["industrie"]);
    }

    #[test]
    fn the_location_is_checked_last_and_coordinates_go_in_pairs() {
        let invalid = EventFields::parse(EventDraft {
            location: LocationDraft {
                postal_code: Some("2500".into()),
                latitude: Some(47.2),
                ..Default::default()
            },
            timezone: Some("Mars/Olympus".into()),
            ..draft()
        })
        .expect_err("refused");
        assert_eq!(
            fields(&invalid),
            ["timezone", "location.postalCode", "location.longitude"]
        );
        // An out-of-range coordinate is refused for itself, not for its missing pair.
        let invalid = EventFields::parse(EventDraft {
            location: LocationDraft {
                latitude: Some(91.0),
                ..Default::default()
            },
            ..draft()
        })
        .expect_err("refused");
        assert_eq!(fields(&invalid), ["location.latitude"]);
    }

    #[test]
    fn a_change_replaces_or_clears_the_whole_location() {
        let mut f = EventFields::parse(draft()).expect("valid");
        EventChange::parse(EventPatch {
            location: Patch::Set(LocationDraft {
                city: Some("Dole".into()),
                ..Default::default()
            }),
            ..Default::default()
        })
        .expect("valid")
        .apply(&mut f);
        // The département and région follow the new place (Dole is in the Jura).
        assert_eq!(
            (f.city.as_deref(), f.departement.as_deref()),
            (Some("Dole"), Some("39"))
        );
        assert_eq!(f.region, Some(Region::BourgogneFrancheComte));
        EventChange::parse(EventPatch {
            location: Patch::Clear,
            ..Default::default()
        })
        .expect("valid")
        .apply(&mut f);
        assert_eq!(f.city, None);
        let refused = EventChange::parse(EventPatch {
            starts_at: Patch::Clear,
            status: Patch::Clear,
            ..Default::default()
        })
        .expect_err("refused");
        assert_eq!(fields(&refused), ["startsAt", "status"]);
    }

    #[test]
    fn days_make_an_event_all_day_in_its_zone() {
        let day = |d| Moment::Day(NaiveDate::from_ymd_opt(2027, 3, d).expect("a day"));
        let t = times(day(8), Some(day(9)), None, false, "Europe/Paris").expect("all-day");
        assert!(t.all_day);
        assert_eq!(t.starts_at, at("2027-03-08T00:00:00+01:00"));
        assert_eq!(
            t.ends_at,
            Some(at("2027-03-10T00:00:00+01:00")),
            "the last day is inclusive"
        );
        let t = times(day(8), None, Some(true), false, "America/Cayenne").expect("all-day");
        assert_eq!(t.starts_at, at("2027-03-08T00:00:00-03:00"));
        let timed = times(
            Moment::At(at("2027-03-08T09:30:00+01:00")),
            None,
            None,
            false,
            "Europe/Paris",
        );
        assert_eq!(timed.map(|t| t.all_day).ok(), Some(false));
        let kept = times(
            Moment::At(at("2027-03-08T00:00:00+01:00")),
            None,
            None,
            true,
            "Europe/Paris",
        );
        assert_eq!(kept.map(|t| t.all_day).ok(), Some(true), "an all-day event stays so");
        for (starts, ends, field) in [
            (day(8), None, "startsAt"),
            (Moment::At(at("2027-03-08T09:30:00+01:00")), Some(day(9)), "endsAt"),
        ] {
            match times(starts, ends, Some(false), false, "Europe/Paris") {
                Err(AppError::BadUserInput { field: f, message }) => {
                    assert_eq!(f, field);
                    assert!(message.contains("allDay"), "{message}");
                }
                other => panic!("{other:?}"),
            }
        }
    }

    #[test]
    fn local_days_are_inclusive_in_the_zone() {
        let day = |d| NaiveDate::from_ymd_opt(2027, 3, d).expect("a day");
        let starts = at("2027-03-08T00:00:00+01:00");
        assert_eq!(
            local_days(starts, Some(at("2027-03-10T00:00:00+01:00")), "Europe/Paris"),
            (day(8), day(9))
        );
        assert_eq!(local_days(starts, None, "Europe/Paris"), (day(8), day(8)));
        // 23:30 UTC is already the next day in Paris.
        let late = at("2027-03-08T23:30:00+00:00");
        assert_eq!(
            local_days(late, Some(at("2027-03-09T01:00:00+00:00")), "Europe/Paris"),
            (day(9), day(9))
        );
        assert_eq!(local_days(late, None, "UTC"), (day(8), day(8)));
    }

    #[test]
    fn places_are_completed_and_what_is_typed_is_kept() {
        let f = EventFields::parse(EventDraft {
            location: LocationDraft {
                name: Some("Fablab de Villeurbanne, 12 rue des Arts, 69100 Villeurbanne".into()),
                ..Default::default()
            },
            ..draft()
        })
        .expect("valid");
        assert_eq!(
            (
                f.postal_code.as_deref(),
                f.city.as_deref(),
                f.departement.as_deref(),
                f.region
            ),
            (
                Some("69100"),
                Some("Villeurbanne"),
                Some("69"),
                Some(Region::AuvergneRhoneAlpes)
            )
        );
        assert_eq!(
            f.location_name.as_deref(),
            Some("Fablab de Villeurbanne, 12 rue des Arts, 69100 Villeurbanne"),
            "the text stays as written"
        );
        let typed = EventFields::parse(EventDraft {
            location: LocationDraft {
                postal_code: Some("25000".into()),
                region: Some(Region::IleDeFrance),
                ..Default::default()
            },
            ..draft()
        })
        .expect("valid");
        assert_eq!(
            (typed.departement.as_deref(), typed.region),
            (Some("25"), Some(Region::IleDeFrance))
        );
        let unknown = EventFields::lenient(
            EventDraft {
                location: LocationDraft {
                    postal_code: Some("99999".into()),
                    ..Default::default()
                },
                ..draft()
            },
            DEFAULT_TIMEZONE,
        )
        .expect("kept");
        assert_eq!((unknown.fields.departement, unknown.fields.region), (None, None));
        assert_eq!(unknown.notes.len(), 1);
        assert!(unknown.notes[0].contains("99999"), "{:?}", unknown.notes);
    }

    #[test]
    fn an_end_before_the_start_is_refused_on_the_whole_record() {
        let mut f = EventFields::parse(draft()).expect("valid");
        assert!(f.check_times().is_ok());
        f.ends_at = Some(f.starts_at - chrono::Duration::hours(1));
        assert!(f.check_times().is_err());
    }

    #[test]
    fn a_feed_event_is_cut_rather_than_refused() {
        let long = "x".repeat(TITLE_MAX + 10);
        let many: Vec<String> = (0..TAGS_MAX + 5).map(|i| format!("tag{i}")).collect();
        let d = EventDraft {
            title: long.clone(),
            description: Some("d".repeat(LONG_TEXT_MAX + 1)),
            location: LocationDraft {
                postal_code: Some("F-25000 Besançon Cedex".into()),
                latitude: Some(91.0),
                longitude: Some(6.0),
                ..Default::default()
            },
            ends_at: Some(at("2027-03-14T08:00:00+01:00")),
            timezone: Some("Mars/Olympus".into()),
            url: Some(format!("https://example.org/{}", "p".repeat(URL_MAX))),
            tags: many,
            ..draft()
        };
        let taken = EventFields::lenient(d, "Europe/Brussels").expect("kept");
        let f = taken.fields;
        assert_eq!(taken.notes, ["ends before it starts, end dropped"]);
        assert_eq!(f.title.chars().count(), TITLE_MAX);
        assert_eq!(
            f.description.as_ref().map(|d| d.chars().count()),
            Some(FEED_DESCRIPTION_CUT)
        );
        assert_eq!(f.postal_code.as_deref(), Some("F-25000 Besançon"));
        assert_eq!((f.latitude, f.longitude), (None, Some(6.0)), "no pair rule for feeds");
        assert_eq!((f.ends_at, f.timezone.as_str()), (None, "Europe/Brussels"));
        assert_eq!(f.url, None);
        assert_eq!(f.tags.len(), TAGS_MAX);
        assert_eq!(f.audiences.len(), 3, "the feed's defaults, as they are");

        let untitled = EventDraft {
            title: String::new(),
            ..draft()
        };
        assert_eq!(
            EventFields::lenient(untitled, DEFAULT_TIMEZONE).err(),
            Some("no title, skipped")
        );
    }
}
