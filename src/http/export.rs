//! Calendar, Atom, vCard and CSV exports: `GET /calendar.ics` (public, or a private link with
//! `?token=` or `/calendar/<token>.ics`), `/events.atom`, `/resources.atom`, `/contacts.vcf`
//! (signed in, or a private link with `?token=` or `/contacts/<token>.vcf`), `/events.csv`,
//! `/resources.csv` and `/contacts.csv`; one event as `/events/<id>.ics` (« add to my
//! calendar »). Every query parameter is checked: an unknown one, a value that is none of a
//! filter's, an organisation that does not exist are refused with what is accepted.
//!
//! Each reads what the caller may see through the store's filters (the one visibility policy),
//! and hands the rows to a pure serialiser of `crate::export`.

use std::collections::HashMap;
use std::future::Future;
use std::sync::Arc;

use chrono::{DateTime, Duration, Utc};
use poem::http::{HeaderValue, StatusCode, header};
use poem::web::{Data, Path};
use poem::{IntoResponse, Request, Response, Route, get, handler};
use sea_orm::Iterable;
use sha2::{Digest, Sha256};
use uuid::Uuid;

use super::AppState;
use crate::auth::{self, Viewer};
use crate::domain::Scope;
use crate::error::AppError;
use crate::export;
use crate::store::calendar_subscriptions::{SavedContactFilter, SavedEventFilter};
use crate::store::{self, contacts::ContactFilter, events::EventFilter, resources::ResourceFilter};
use entity::PrivateLinkKind;

/// Most events in a calendar (the next thousand).
const MAX_CALENDAR_EVENTS: usize = 1000;
/// Entries of an Atom feed: 50 by default.
const DEFAULT_FEED_ENTRIES: usize = 50;
const MAX_FEED_ENTRIES: usize = 200;
/// Most rows of a CSV file or cards of an address book.
const MAX_EXPORT_ROWS: usize = 10_000;

pub(super) const ICS: &str = "text/calendar; charset=utf-8";
const ATOM: &str = "application/atom+xml; charset=utf-8";
const VCARD: &str = "text/vcard; charset=utf-8";
pub(super) const CSV: &str = "text/csv; charset=utf-8; header=present";

/// Adds the export routes to `route`.
pub fn routes(route: Route) -> Route {
    route
        .at("/calendar.ics", get(calendar))
        .at("/calendar/:file", get(calendar_link))
        .at("/events.atom", get(events_atom))
        .at("/events/:file", get(event_ics))
        .at("/resources.atom", get(resources_atom))
        .at("/contacts.vcf", get(contacts_vcf))
        .at("/contacts/:file", get(contacts_link))
        .at("/events.csv", get(events_csv))
        .at("/resources.csv", get(resources_csv))
        .at("/contacts.csv", get(contacts_csv))
}

fn text(status: StatusCode, message: &str) -> Response {
    Response::builder()
        .status(status)
        .content_type("text/plain; charset=utf-8")
        .body(format!("{message}\n"))
}

fn unauthorized() -> Response {
    let mut resp = text(
        StatusCode::UNAUTHORIZED,
        "sign in: send Authorization: Bearer <token or API key>",
    );
    resp.headers_mut()
        .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
    resp
}

pub(super) fn error(err: &AppError) -> Response {
    match err {
        AppError::Unauthenticated => unauthorized(),
        AppError::BadUserInput { message, .. } => text(StatusCode::BAD_REQUEST, message),
        AppError::NotFound(_) => text(StatusCode::NOT_FOUND, "not found"),
        AppError::Forbidden(_) | AppError::PasswordChangeRequired => text(StatusCode::FORBIDDEN, &err.to_string()),
        _ => text(StatusCode::INTERNAL_SERVER_ERROR, "internal error"),
    }
}

/// Why an export answers no document.
pub(super) enum Refused {
    /// What the GraphQL API would refuse the same way.
    App(AppError),
    /// `organisation=` names no organisation: 404, with the slugs it may have meant.
    NoSuchOrganisation { given: String, closest: Vec<String> },
}

impl From<AppError> for Refused {
    fn from(e: AppError) -> Self {
        Refused::App(e)
    }
}

impl From<sea_orm::DbErr> for Refused {
    fn from(e: sea_orm::DbErr) -> Self {
        Refused::App(e.into())
    }
}

fn refused(r: Refused) -> Response {
    match r {
        Refused::App(e) => error(&e),
        Refused::NoSuchOrganisation { given, closest } => {
            let (fr, en) = if closest.is_empty() {
                (String::new(), String::new())
            } else {
                let list = closest.join(", ");
                (format!(" (les plus proches : {list})"), format!(" (closest: {list})"))
            };
            text(
                StatusCode::NOT_FOUND,
                &format!(
                    "Aucune organisation n'a le slug ou l'identifiant « {given} »{fr} ; la liste : \
                     {{ organisations {{ nodes {{ slug name }} }} }} sur /graphql.\n\
                     No organisation has the slug or id \"{given}\"{en}; the list: \
                     {{ organisations {{ nodes {{ slug name }} }} }} on /graphql."
                ),
            )
        }
    }
}

/// The caller, from `Authorization` (none is anonymous; a bad token is refused).
pub(super) async fn viewer(req: &Request, state: &AppState) -> Result<Viewer, AppError> {
    let viewer = auth::authenticate(&state.db, state.changes.sessions(), req.header(header::AUTHORIZATION)).await?;
    if viewer.must_change_password() {
        return Err(AppError::PasswordChangeRequired);
    }
    Ok(viewer)
}

/// The filters of each list, as query parameters (the names of the GraphQL filters).
const EVENT_FILTER: &[&str] = &[
    "organisation",
    "region",
    "departement",
    "city",
    "openToPublic",
    "audience",
    "tag",
    "status",
    "startsAfter",
    "startsBefore",
];
const RESOURCE_FILTER: &[&str] = &[
    "organisation",
    "region",
    "kind",
    "freeOfRights",
    "audience",
    "tag",
    "language",
];
const CONTACT_FILTER: &[&str] = &["organisation", "region", "audience"];

/// Other spellings of some parameters, taken as the name they stand for.
const ALIASES: &[(&str, &str)] = &[
    ("organisationId", "organisation"),
    ("organization", "organisation"),
    ("starts_after", "startsAfter"),
    ("starts_before", "startsBefore"),
    ("open_to_public", "openToPublic"),
    ("free_of_rights", "freeOfRights"),
    ("group_by", "groupBy"),
    ("organisationIds", "organisation"),
    ("regions", "region"),
    ("audiences", "audience"),
];

/// The query string of a request to `path`, every name checked against what the endpoint
/// accepts (`filters` and `extra`): an unknown one is refused (400) with the accepted names,
/// rather than ignored (which would answer everything a misspelt filter meant to narrow).
/// Empty values count as absent; the last value of a repeated name wins.
pub(super) fn params(
    req: &Request,
    path: &str,
    filters: &[&'static str],
    extra: &[&'static str],
) -> Result<Params, AppError> {
    let mut values = HashMap::new();
    for (name, value) in url::form_urlencoded::parse(req.uri().query().unwrap_or("").as_bytes()) {
        let name = ALIASES
            .iter()
            .find(|(alias, _)| *alias == name)
            .map_or(name.as_ref(), |(_, canonical)| canonical);
        let Some(known) = filters.iter().chain(extra).find(|n| **n == name) else {
            let accepted: Vec<&str> = filters.iter().chain(extra).copied().collect();
            let hint = closest(name, accepted.iter().copied(), 1)
                .first()
                .map(|n| {
                    (
                        format!(" (vouliez-vous dire « {n} » ?)"),
                        format!(" (did you mean \"{n}\"?)"),
                    )
                })
                .unwrap_or_default();
            let list = accepted.join(", ");
            return Err(AppError::bad_input(
                name,
                format!(
                    "Paramètre inconnu « {name} » pour {path}{}. Paramètres acceptés : {list}.\n\
                     Unknown parameter \"{name}\" for {path}{}. Accepted parameters: {list}.",
                    hint.0, hint.1
                ),
            ));
        };
        let value = value.trim();
        if !value.is_empty() {
            values.insert(*known, value.to_string());
        }
    }
    Ok(Params(values))
}

/// Of `candidates`, the (at most `n`) nearest to `given`, nearest first; none when nothing
/// comes close.
fn closest<'a>(given: &str, candidates: impl Iterator<Item = &'a str>, n: usize) -> Vec<&'a str> {
    let given = given.to_lowercase();
    let mut scored: Vec<(f64, &str)> = candidates
        .map(|c| (strsim::jaro_winkler(&given, &c.to_lowercase()), c))
        .filter(|(score, _)| *score >= 0.8)
        .collect();
    scored.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(b.1)));
    scored.into_iter().take(n).map(|(_, c)| c).collect()
}

pub(super) struct Params(pub(super) HashMap<&'static str, String>);

impl Params {
    pub(super) fn get(&self, name: &str) -> Option<&str> {
        self.0.get(name).map(String::as_str)
    }

    fn string(&self, name: &str) -> Option<String> {
        self.get(name).map(str::to_string)
    }

    fn boolean(&self, name: &str) -> Result<Option<bool>, AppError> {
        match self.get(name).map(str::to_ascii_lowercase).as_deref() {
            None => Ok(None),
            Some("true" | "1" | "yes" | "oui") => Ok(Some(true)),
            Some("false" | "0" | "no" | "non") => Ok(Some(false)),
            Some(other) => Err(AppError::bad_input(
                name,
                format!(
                    "{name} vaut true ou false (reçu « {other} ») / {name} must be true or false (got \"{other}\")"
                ),
            )),
        }
    }

    /// A stored enum by its value or its GraphQL name (`ile_de_france`, `ILE_DE_FRANCE`).
    pub(super) fn choice<T: Iterable + Copy>(
        &self,
        name: &str,
        value_of: fn(T) -> &'static str,
    ) -> Result<Option<T>, AppError> {
        let Some(raw) = self.get(name) else {
            return Ok(None);
        };
        let wanted = raw.to_ascii_lowercase().replace('-', "_");
        if let Some(found) = T::iter().find(|v| value_of(*v) == wanted) {
            return Ok(Some(found));
        }
        let list = T::iter()
            .map(|v| value_of(v).to_uppercase())
            .collect::<Vec<_>>()
            .join(", ");
        Err(AppError::bad_input(
            name,
            format!(
                "{name} n'a pas de valeur « {raw} » ; valeurs acceptées : {list}.\n\
                 {name} has no value \"{raw}\"; accepted values: {list}."
            ),
        ))
    }

    /// An instant: RFC 3339 (`2027-01-01T09:00:00Z`), a local date-time
    /// (`2027-01-01T09:00`) or a date (`2027-01-01`, the start of that day), both of the
    /// latter in Paris time, the zone of the agenda.
    fn instant(&self, name: &str) -> Result<Option<DateTime<Utc>>, AppError> {
        self.get(name).map(|v| parse_instant(name, v)).transpose()
    }

    /// The CSV dialect `format` names: `csv` (the default) or `excel-fr`.
    fn dialect(&self) -> Result<export::csv::Dialect, AppError> {
        match self.get("format") {
            None => Ok(export::csv::Dialect::Standard),
            Some(name) => export::csv::Dialect::named(name).ok_or_else(|| {
                AppError::bad_input(
                    "format",
                    format!(
                        "format n'a pas de valeur « {name} » ; valeurs acceptées : csv (par défaut), excel-fr.\n\
                         format has no value \"{name}\"; accepted values: csv (the default), excel-fr."
                    ),
                )
            }),
        }
    }

    fn limit(&self, default: usize, max: usize) -> Result<usize, AppError> {
        match self.get("limit") {
            None => Ok(default),
            Some(v) => v
                .parse::<usize>()
                .ok()
                .filter(|n| (1..=max).contains(n))
                .ok_or_else(|| {
                    AppError::bad_input(
                        "limit",
                        format!("limit est entre 1 et {max} / limit must be between 1 and {max}"),
                    )
                }),
        }
    }

    /// An organisation by id or slug; an unknown one is refused (404), naming the closest
    /// slugs, rather than answering an empty document.
    pub(super) async fn organisation(&self, state: &AppState) -> Result<Option<Uuid>, Refused> {
        let Some(raw) = self.get("organisation") else {
            return Ok(None);
        };
        let found = match Uuid::parse_str(raw) {
            Ok(id) => store::organisations::by_id(&state.db, id).await?,
            Err(_) => store::organisations::by_slug(&state.db, raw).await?,
        };
        if let Some(org) = found {
            return Ok(Some(org.id));
        }
        let slugs = store::organisations::slugs(&state.db).await?;
        let closest = closest(raw, slugs.iter().map(String::as_str), 3)
            .into_iter()
            .map(str::to_string)
            .collect();
        Err(Refused::NoSuchOrganisation {
            given: raw.to_string(),
            closest,
        })
    }

    async fn event_filter(&self, state: &AppState, scope: Scope) -> Result<EventFilter, Refused> {
        Ok(EventFilter {
            scope,
            starts_after: self.instant("startsAfter")?,
            starts_before: self.instant("startsBefore")?,
            region: self.choice("region", entity::Region::as_str)?,
            departement: self.string("departement").map(|d| d.to_uppercase()),
            city: self.string("city"),
            organisation_id: self.organisation(state).await?,
            open_to_public: self.boolean("openToPublic")?,
            audience: self.choice("audience", entity::Audience::as_str)?,
            tag: self.string("tag"),
            status: self.choice("status", entity::EventStatus::as_str)?,
            hide_removed_upstream: false,
        })
    }

    async fn resource_filter(&self, state: &AppState, scope: Scope) -> Result<ResourceFilter, Refused> {
        Ok(ResourceFilter {
            scope,
            kind: self.choice("kind", entity::ResourceKind::as_str)?,
            free_of_rights: self.boolean("freeOfRights")?,
            audience: self.choice("audience", entity::Audience::as_str)?,
            tag: self.string("tag"),
            organisation_id: self.organisation(state).await?,
            language: self.string("language"),
            region: self.choice("region", entity::Region::as_str)?,
        })
    }

    async fn contact_filter(&self, state: &AppState, scope: Scope) -> Result<ContactFilter, Refused> {
        Ok(ContactFilter {
            scope,
            organisation_id: self.organisation(state).await?,
            region: self.choice("region", entity::Region::as_str)?,
            audience: self.choice("audience", entity::Audience::as_str)?,
        })
    }
}

/// `raw` as an instant (see `Params::instant`).
fn parse_instant(name: &str, raw: &str) -> Result<DateTime<Utc>, AppError> {
    use chrono::{NaiveDate, NaiveDateTime, TimeZone};
    let paris = |local: NaiveDateTime| chrono_tz::Europe::Paris.from_local_datetime(&local).earliest();
    let parsed = DateTime::parse_from_rfc3339(raw)
        .map(|d| d.with_timezone(&Utc))
        .ok()
        .or_else(|| {
            ["%Y-%m-%dT%H:%M:%S", "%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"]
                .iter()
                .find_map(|f| NaiveDateTime::parse_from_str(raw, f).ok())
                .and_then(paris)
                .map(|d| d.with_timezone(&Utc))
        })
        .or_else(|| {
            NaiveDate::parse_from_str(raw, "%Y-%m-%d")
                .ok()
                .and_then(|d| paris(d.and_time(chrono::NaiveTime::MIN)))
                .map(|d| d.with_timezone(&Utc))
        });
    parsed.ok_or_else(|| {
        AppError::bad_input(
            name,
            format!(
                "{name} est une date (2027-01-01, début du jour à Paris) ou une date et heure \
                 (2027-01-01T09:00 à Paris, 2027-01-01T09:00:00Z) ; reçu « {raw} ».\n\
                 {name} must be a date (2027-01-01, the start of that day in Paris) or a date-time \
                 (2027-01-01T09:00 in Paris, 2027-01-01T09:00:00Z); got \"{raw}\"."
            ),
        )
    })
}

/// The strong validator of a body: its SHA-256, quoted.
fn etag(body: &[u8]) -> String {
    let digest = Sha256::digest(body);
    let hex: String = digest.iter().take(16).map(|b| format!("{b:02x}")).collect();
    format!("\"{hex}\"")
}

/// Whether `If-None-Match` lists `tag` (weak comparison, as RFC 9110 asks for GET) or `*`.
fn not_modified(req: &Request, tag: &str) -> bool {
    req.header(header::IF_NONE_MATCH).is_some_and(|value| {
        value
            .split(',')
            .map(|t| t.trim().trim_start_matches("W/"))
            .any(|t| t == "*" || t == tag)
    })
}

/// A body with its type, cache policy and ETag, or 304 when the client holds it already.
pub(super) fn cached(
    req: &Request,
    body: Vec<u8>,
    content_type: &'static str,
    cache_control: &'static str,
) -> Response {
    let tag = etag(&body);
    let mut resp = if not_modified(req, &tag) {
        StatusCode::NOT_MODIFIED.into_response()
    } else {
        Response::builder().content_type(content_type).body(body)
    };
    let headers = resp.headers_mut();
    if let Ok(value) = HeaderValue::from_str(&tag) {
        headers.insert(header::ETAG, value);
    }
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static(cache_control));
    headers.insert(header::VARY, HeaderValue::from_static("Authorization"));
    resp
}

pub(super) fn attachment(body: Vec<u8>, content_type: &'static str, file: &'static str, private: bool) -> Response {
    Response::builder()
        .content_type(content_type)
        .header(header::CONTENT_DISPOSITION, format!("attachment; filename=\"{file}\""))
        .header(
            header::CACHE_CONTROL,
            if private {
                "private, no-store"
            } else {
                "public, max-age=300"
            },
        )
        .header(header::VARY, "Authorization")
        .body(body)
}

/// The calendar of `filter`'s upcoming events.
async fn serve_calendar(
    req: &Request,
    state: &AppState,
    filter: &EventFilter,
    name: &str,
    limit: usize,
    cache_control: &'static str,
) -> Result<Response, Refused> {
    let events = store::exports::upcoming_events(&state.db, filter, store::now(), limit).await?;
    let info = export::ics::CalendarInfo {
        name,
        refresh: Duration::hours(1),
    };
    let body = export::ics::calendar(&info, &events);
    Ok(cached(req, body, ICS, cache_control))
}

/// A private calendar link: the events its creator may see now, through its saved filter, and
/// the kit loans of the creator's organisation that are not over (unless the link leaves them
/// out).
async fn serve_link(req: &Request, state: &AppState, token: &str, limit: usize) -> Result<Response, Refused> {
    let Some((link, viewer)) = auth::private_link(&state.db, token, PrivateLinkKind::Calendar).await? else {
        return Err(AppError::NotFound("calendar").into());
    };
    let scope = viewer.scope();
    let saved = SavedEventFilter::from_stored(&link.filter);
    let with_loans = saved.as_ref().is_some_and(SavedEventFilter::shows_kit_loans);
    let filter = match saved {
        Some(saved) => saved.with_scope(scope),
        // An unreadable filter shows nothing rather than everything.
        None => EventFilter {
            scope: Scope::Public,
            organisation_id: Some(Uuid::nil()),
            ..Default::default()
        },
    };
    let events = store::exports::upcoming_events(&state.db, &filter, store::now(), limit).await?;
    let organisation = viewer.organisation_id().filter(|_| with_loans);
    let loans = match organisation {
        Some(org) => super::kits::open_loans_of(state, scope, org).await?,
        None => super::kits::Loans::default(),
    };
    let info = export::ics::CalendarInfo {
        name: &link.name,
        refresh: Duration::hours(1),
    };
    let body = export::ics::calendar_with_loans(&info, &events, &loans.entries());
    Ok(cached(req, body, ICS, "private, max-age=300"))
}

/// Runs an export handler's body and answers its refusal, if any.
pub(super) async fn answer(body: impl Future<Output = Result<Response, Refused>>) -> Response {
    body.await.unwrap_or_else(refused)
}

/// `GET /calendar.ics`: public upcoming events, or a private link's with `?token=`.
#[handler]
async fn calendar(req: &Request, Data(state): Data<&Arc<AppState>>) -> Response {
    answer(async {
        let p = params(req, "/calendar.ics", EVENT_FILTER, &["limit", "token"])?;
        let limit = p.limit(MAX_CALENDAR_EVENTS, MAX_CALENDAR_EVENTS)?;
        if let Some(token) = p.get("token") {
            return serve_link(req, state, token, limit).await;
        }
        let filter = p.event_filter(state, Scope::Public).await?;
        serve_calendar(req, state, &filter, "Passerelle", limit, "public, max-age=300").await
    })
    .await
}

/// `GET /calendar/<token>.ics`: a private link.
#[handler]
async fn calendar_link(req: &Request, Path(file): Path<String>, Data(state): Data<&Arc<AppState>>) -> Response {
    answer(async {
        // The link's filter was saved with it: only the length of the calendar may be asked.
        let p = params(req, "/calendar/<token>.ics", &[], &["limit"])?;
        let limit = p.limit(MAX_CALENDAR_EVENTS, MAX_CALENDAR_EVENTS)?;
        let token = file.strip_suffix(".ics").unwrap_or(&file);
        serve_link(req, state, token, limit).await
    })
    .await
}

/// `GET /events/<id>.ics`: one event the caller may see, as a calendar file to add to one's
/// own calendar (a cancelled or removed one with `STATUS:CANCELLED`).
#[handler]
async fn event_ics(req: &Request, Path(file): Path<String>, Data(state): Data<&Arc<AppState>>) -> Response {
    answer(async {
        params(req, "/events/<id>.ics", &[], &[])?;
        let id = file
            .strip_suffix(".ics")
            .and_then(|id| Uuid::parse_str(id).ok())
            .ok_or(AppError::NotFound("event"))?;
        let viewer = viewer(req, state).await?;
        let filter = EventFilter {
            scope: viewer.scope(),
            ..Default::default()
        };
        let event = Arc::new(
            store::events::matching(&state.db, &filter, &[id])
                .await?
                .into_iter()
                .next()
                .ok_or(AppError::NotFound("event"))?,
        );
        let info = export::ics::CalendarInfo {
            name: &event.title,
            refresh: Duration::hours(1),
        };
        let body = export::ics::calendar(&info, std::slice::from_ref(&event));
        let cache = if viewer.is_anonymous() {
            "public, max-age=300"
        } else {
            "private, max-age=300"
        };
        let mut resp = cached(req, body, ICS, cache);
        let disposition = format!(
            "attachment; filename=\"passerelle-{}.ics\"",
            &id.simple().to_string()[..12]
        );
        if let Ok(value) = HeaderValue::from_str(&disposition) {
            resp.headers_mut().insert(header::CONTENT_DISPOSITION, value);
        }
        Ok(resp)
    })
    .await
}

/// `GET /events.atom`: public upcoming events, soonest first.
#[handler]
async fn events_atom(req: &Request, Data(state): Data<&Arc<AppState>>) -> Response {
    answer(async {
        let p = params(req, "/events.atom", EVENT_FILTER, &["limit"])?;
        let limit = p.limit(DEFAULT_FEED_ENTRIES, MAX_FEED_ENTRIES)?;
        let filter = p.event_filter(state, Scope::Public).await?;
        let events = store::exports::upcoming_events(&state.db, &filter, store::now(), limit).await?;
        let organisations =
            store::exports::organisations(&state.db, events.iter().filter_map(|e| e.organiser_id)).await?;
        let base = state.public_url.clone();
        let self_url = format!("{base}/events.atom");
        let info = export::atom::FeedInfo {
            title: "Passerelle — agenda",
            self_url: &self_url,
            site_url: &base,
        };
        let body = export::atom::events(&info, &events, &organisations);
        Ok(cached(req, body, ATOM, "public, max-age=300"))
    })
    .await
}

/// `GET /resources.atom`: the newest public resources.
#[handler]
async fn resources_atom(req: &Request, Data(state): Data<&Arc<AppState>>) -> Response {
    answer(async {
        let p = params(req, "/resources.atom", RESOURCE_FILTER, &["limit"])?;
        let limit = p.limit(DEFAULT_FEED_ENTRIES, MAX_FEED_ENTRIES)?;
        let filter = p.resource_filter(state, Scope::Public).await?;
        let resources =
            store::exports::resources(&state.db, &filter, store::resources::ResourceSort::CreatedAtDesc, limit).await?;
        let organisations =
            store::exports::organisations(&state.db, resources.iter().filter_map(|r| r.organisation_id)).await?;
        let base = state.public_url.clone();
        let self_url = format!("{base}/resources.atom");
        let info = export::atom::FeedInfo {
            title: "Passerelle — ressources",
            self_url: &self_url,
            site_url: &base,
        };
        let body = export::atom::resources(&info, &resources, &organisations);
        Ok(cached(req, body, ATOM, "public, max-age=300"))
    })
    .await
}

/// The address book of `filter` as `viewer` may read it (notes only where they may).
async fn serve_address_book(
    state: &AppState,
    viewer: &Viewer,
    filter: &ContactFilter,
    limit: usize,
) -> Result<Response, Refused> {
    let mut contacts = store::exports::contacts(&state.db, filter, limit).await?;
    viewer.redact_contacts(&mut contacts);
    let organisations =
        store::exports::organisations(&state.db, contacts.iter().filter_map(|c| c.organisation_id)).await?;
    let body = export::vcard::cards(&contacts, &organisations);
    Ok(attachment(body, VCARD, "contacts.vcf", true))
}

/// A private address-book link: the contacts its creator may see now, as they may see them,
/// through its saved filter.
async fn serve_address_book_link(state: &AppState, token: &str, limit: usize) -> Result<Response, Refused> {
    let Some((link, viewer)) = auth::private_link(&state.db, token, PrivateLinkKind::AddressBook).await? else {
        return Err(AppError::NotFound("address book").into());
    };
    let filter = match SavedContactFilter::from_stored(&link.filter) {
        Some(saved) => saved.with_scope(viewer.scope()),
        // An unreadable filter shows nothing rather than everything.
        None => ContactFilter {
            scope: Scope::Public,
            organisation_id: Some(Uuid::nil()),
            ..Default::default()
        },
    };
    serve_address_book(state, &viewer, &filter, limit).await
}

/// `GET /contacts.vcf`: the contacts the caller may see (signed-in callers), or a private
/// address-book link's with `?token=`.
#[handler]
async fn contacts_vcf(req: &Request, Data(state): Data<&Arc<AppState>>) -> Response {
    answer(async {
        let p = params(req, "/contacts.vcf", CONTACT_FILTER, &["limit", "token"])?;
        let limit = p.limit(MAX_EXPORT_ROWS, MAX_EXPORT_ROWS)?;
        if let Some(token) = p.get("token") {
            return serve_address_book_link(state, token, limit).await;
        }
        let viewer = viewer(req, state).await?;
        viewer.require_signed_in()?;
        let filter = p.contact_filter(state, viewer.scope()).await?;
        serve_address_book(state, &viewer, &filter, limit).await
    })
    .await
}

/// `GET /contacts/<token>.vcf`: a private address-book link.
#[handler]
async fn contacts_link(req: &Request, Path(file): Path<String>, Data(state): Data<&Arc<AppState>>) -> Response {
    answer(async {
        let p = params(req, "/contacts/<token>.vcf", &[], &["limit"])?;
        let limit = p.limit(MAX_EXPORT_ROWS, MAX_EXPORT_ROWS)?;
        let token = file.strip_suffix(".vcf").unwrap_or(&file);
        serve_address_book_link(state, token, limit).await
    })
    .await
}

fn csv_body(body: Result<Vec<u8>, csv::Error>) -> Result<Vec<u8>, AppError> {
    body.map_err(AppError::internal)
}

/// `GET /events.csv`: the events list as the caller may see it.
#[handler]
async fn events_csv(req: &Request, Data(state): Data<&Arc<AppState>>) -> Response {
    answer(async {
        let p = params(req, "/events.csv", EVENT_FILTER, &["limit", "format"])?;
        let viewer = viewer(req, state).await?;
        let limit = p.limit(MAX_EXPORT_ROWS, MAX_EXPORT_ROWS)?;
        let filter = p.event_filter(state, viewer.scope()).await?;
        let events = store::exports::events(&state.db, &filter, limit).await?;
        let organisations =
            store::exports::organisations(&state.db, events.iter().filter_map(|e| e.organiser_id)).await?;
        let body = csv_body(export::csv::events(&events, &organisations, p.dialect()?))?;
        Ok(attachment(body, CSV, "events.csv", !viewer.is_anonymous()))
    })
    .await
}

/// `GET /resources.csv`: the resources list as the caller may see it, newest first.
#[handler]
async fn resources_csv(req: &Request, Data(state): Data<&Arc<AppState>>) -> Response {
    answer(async {
        let p = params(req, "/resources.csv", RESOURCE_FILTER, &["limit", "format"])?;
        let viewer = viewer(req, state).await?;
        let limit = p.limit(MAX_EXPORT_ROWS, MAX_EXPORT_ROWS)?;
        let filter = p.resource_filter(state, viewer.scope()).await?;
        let resources =
            store::exports::resources(&state.db, &filter, store::resources::ResourceSort::CreatedAtDesc, limit).await?;
        let organisations =
            store::exports::organisations(&state.db, resources.iter().filter_map(|r| r.organisation_id)).await?;
        let body = csv_body(export::csv::resources(&resources, &organisations, p.dialect()?))?;
        Ok(attachment(body, CSV, "resources.csv", !viewer.is_anonymous()))
    })
    .await
}

/// `GET /contacts.csv`: the contacts the caller may see (signed-in callers only).
#[handler]
async fn contacts_csv(req: &Request, Data(state): Data<&Arc<AppState>>) -> Response {
    answer(async {
        let p = params(req, "/contacts.csv", CONTACT_FILTER, &["limit", "format"])?;
        let viewer = viewer(req, state).await?;
        viewer.require_signed_in()?;
        let limit = p.limit(MAX_EXPORT_ROWS, MAX_EXPORT_ROWS)?;
        let filter = p.contact_filter(state, viewer.scope()).await?;
        let mut contacts = store::exports::contacts(&state.db, &filter, limit).await?;
        viewer.redact_contacts(&mut contacts);
        let organisations =
            store::exports::organisations(&state.db, contacts.iter().filter_map(|c| c.organisation_id)).await?;
        let body = csv_body(export::csv::contacts(&contacts, &organisations, p.dialect()?))?;
        Ok(attachment(body, CSV, "contacts.csv", true))
    })
    .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn etags_are_quoted_and_stable() {
        assert_eq!(etag(b"a"), etag(b"a"));
        assert_ne!(etag(b"a"), etag(b"b"));
        assert!(etag(b"a").starts_with('"') && etag(b"a").ends_with('"'));
    }
}
