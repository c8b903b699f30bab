//! Calendar, Atom, vCard and CSV exports: `GET /calendar.ics` (public, or a private link with
//! `?token=` or `/calendar/<token>.ics`), `/events.atom`, `/resources.atom`, `/contacts.vcf`,
//! `/events.csv`, `/resources.csv` and `/contacts.csv`; one event as `/events/<id>.ics` (« add to my
//! calendar »).
//!
//! Each reads what the caller may see through the store's filters (the one visibility policy),
//! and hands the rows to a pure serialiser of `crate::export`.

use std::collections::HashMap;
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
use crate::store::calendar_subscriptions::SavedEventFilter;
use crate::store::{self, contacts::ContactFilter, events::EventFilter, resources::ResourceFilter};

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

/// The caller, from `Authorization` (none is anonymous; a bad token is refused).
pub(super) async fn viewer(req: &Request, state: &AppState) -> Result<Viewer, AppError> {
    let viewer = auth::authenticate(&state.db, req.header(header::AUTHORIZATION)).await?;
    if viewer.must_change_password() {
        return Err(AppError::PasswordChangeRequired);
    }
    Ok(viewer)
}

/// The query string as a map (the last value of a repeated name wins).
pub(super) fn params(req: &Request) -> HashMap<String, String> {
    url::form_urlencoded::parse(req.uri().query().unwrap_or("").as_bytes())
        .map(|(k, v)| (k.into_owned(), v.trim().to_string()))
        .filter(|(_, v)| !v.is_empty())
        .collect()
}

pub(super) struct Params(pub(super) HashMap<String, String>);

impl Params {
    pub(super) fn get(&self, names: &[&str]) -> Option<&str> {
        names.iter().find_map(|n| self.0.get(*n)).map(String::as_str)
    }

    fn string(&self, names: &[&str]) -> Option<String> {
        self.get(names).map(str::to_string)
    }

    fn boolean(&self, names: &[&str]) -> Result<Option<bool>, AppError> {
        match self.get(names).map(str::to_ascii_lowercase).as_deref() {
            None => Ok(None),
            Some("true" | "1" | "yes") => Ok(Some(true)),
            Some("false" | "0" | "no") => Ok(Some(false)),
            Some(_) => Err(AppError::bad_input(
                names[0],
                format!("{} must be true or false", names[0]),
            )),
        }
    }

    /// A stored enum by its value or its GraphQL name (`ile_de_france`, `ILE_DE_FRANCE`).
    pub(super) fn choice<T: Iterable + Copy>(
        &self,
        names: &[&str],
        value_of: fn(T) -> &'static str,
    ) -> Result<Option<T>, AppError> {
        let Some(raw) = self.get(names) else {
            return Ok(None);
        };
        let wanted = raw.to_ascii_lowercase().replace('-', "_");
        T::iter()
            .find(|v| value_of(*v) == wanted)
            .map(Some)
            .ok_or_else(|| AppError::bad_input(names[0], format!("{} has no value {raw:?}", names[0])))
    }

    fn instant(&self, names: &[&str]) -> Result<Option<DateTime<Utc>>, AppError> {
        self.get(names)
            .map(|v| {
                DateTime::parse_from_rfc3339(v)
                    .map(|d| d.with_timezone(&Utc))
                    .map_err(|_| AppError::bad_input(names[0], format!("{} must be an RFC 3339 date-time", names[0])))
            })
            .transpose()
    }

    fn limit(&self, default: usize, max: usize) -> Result<usize, AppError> {
        match self.get(&["limit"]) {
            None => Ok(default),
            Some(v) => v
                .parse::<usize>()
                .ok()
                .filter(|n| (1..=max).contains(n))
                .ok_or_else(|| AppError::bad_input("limit", format!("limit must be between 1 and {max}"))),
        }
    }

    /// An organisation by id or slug; an unknown one matches nothing.
    pub(super) async fn organisation(&self, state: &AppState) -> Result<Option<Uuid>, AppError> {
        let Some(raw) = self.get(&["organisation", "organisationId", "organization"]) else {
            return Ok(None);
        };
        if let Ok(id) = Uuid::parse_str(raw) {
            return Ok(Some(id));
        }
        Ok(Some(
            store::organisations::by_slug(&state.db, raw)
                .await?
                .map_or(Uuid::nil(), |o| o.id),
        ))
    }

    async fn event_filter(&self, state: &AppState, scope: Scope) -> Result<EventFilter, AppError> {
        Ok(EventFilter {
            scope,
            starts_after: self.instant(&["startsAfter", "starts_after"])?,
            starts_before: self.instant(&["startsBefore", "starts_before"])?,
            region: self.choice(&["region"], entity::Region::as_str)?,
            departement: self.string(&["departement"]).map(|d| d.to_uppercase()),
            city: self.string(&["city"]),
            organisation_id: self.organisation(state).await?,
            open_to_public: self.boolean(&["openToPublic", "open_to_public"])?,
            audience: self.choice(&["audience"], entity::Audience::as_str)?,
            tag: self.string(&["tag"]),
            status: self.choice(&["status"], entity::EventStatus::as_str)?,
            hide_removed_upstream: false,
        })
    }

    async fn resource_filter(&self, state: &AppState, scope: Scope) -> Result<ResourceFilter, AppError> {
        Ok(ResourceFilter {
            scope,
            kind: self.choice(&["kind"], entity::ResourceKind::as_str)?,
            free_of_rights: self.boolean(&["freeOfRights", "free_of_rights"])?,
            audience: self.choice(&["audience"], entity::Audience::as_str)?,
            tag: self.string(&["tag"]),
            organisation_id: self.organisation(state).await?,
            language: self.string(&["language"]),
        })
    }

    async fn contact_filter(&self, state: &AppState, scope: Scope) -> Result<ContactFilter, AppError> {
        Ok(ContactFilter {
            scope,
            organisation_id: self.organisation(state).await?,
            region: self.choice(&["region"], entity::Region::as_str)?,
            audience: self.choice(&["audience"], entity::Audience::as_str)?,
        })
    }
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
) -> Result<Response, AppError> {
    let events = store::exports::upcoming_events(&state.db, filter, store::now(), limit).await?;
    let info = export::ics::CalendarInfo {
        name,
        refresh: Duration::hours(1),
    };
    let body = export::ics::calendar(&info, &events);
    Ok(cached(req, body, ICS, cache_control))
}

/// A private link: the events its creator may see now, through its saved filter, and the
/// kit loans of the creator's organisation that are not over (unless the link leaves them out).
async fn serve_link(req: &Request, state: &AppState, token: &str, limit: usize) -> Result<Response, AppError> {
    let Some((link, scope)) = auth::calendar_link(&state.db, token).await? else {
        return Err(AppError::NotFound("calendar"));
    };
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
    let organisation = match with_loans {
        true => store::users::by_id(&state.db, link.user_id)
            .await?
            .and_then(|u| u.organisation_id),
        false => None,
    };
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

/// `GET /calendar.ics`: public upcoming events, or a private link's with `?token=`.
#[handler]
async fn calendar(req: &Request, Data(state): Data<&Arc<AppState>>) -> Response {
    let p = Params(params(req));
    let result = async {
        let limit = p.limit(MAX_CALENDAR_EVENTS, MAX_CALENDAR_EVENTS)?;
        if let Some(token) = p.get(&["token"]) {
            return serve_link(req, state, token, limit).await;
        }
        let filter = p.event_filter(state, Scope::Public).await?;
        serve_calendar(req, state, &filter, "Passerelle", limit, "public, max-age=300").await
    }
    .await;
    result.unwrap_or_else(|e| error(&e))
}

/// `GET /calendar/<token>.ics`: a private link.
#[handler]
async fn calendar_link(req: &Request, Path(file): Path<String>, Data(state): Data<&Arc<AppState>>) -> Response {
    let p = Params(params(req));
    let result = async {
        let limit = p.limit(MAX_CALENDAR_EVENTS, MAX_CALENDAR_EVENTS)?;
        let token = file.strip_suffix(".ics").unwrap_or(&file);
        serve_link(req, state, token, limit).await
    }
    .await;
    result.unwrap_or_else(|e| error(&e))
}

/// `GET /events/<id>.ics`: one event the caller may see, as a calendar file to add to one's
/// own calendar (a cancelled or removed one with `STATUS:CANCELLED`).
#[handler]
async fn event_ics(req: &Request, Path(file): Path<String>, Data(state): Data<&Arc<AppState>>) -> Response {
    let result = async {
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
        Ok::<_, AppError>(resp)
    }
    .await;
    result.unwrap_or_else(|e| error(&e))
}

/// `GET /events.atom`: public upcoming events, soonest first.
#[handler]
async fn events_atom(req: &Request, Data(state): Data<&Arc<AppState>>) -> Response {
    let p = Params(params(req));
    let result = async {
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
        Ok::<_, AppError>(cached(req, body, ATOM, "public, max-age=300"))
    }
    .await;
    result.unwrap_or_else(|e| error(&e))
}

/// `GET /resources.atom`: the newest public resources.
#[handler]
async fn resources_atom(req: &Request, Data(state): Data<&Arc<AppState>>) -> Response {
    let p = Params(params(req));
    let result = async {
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
        Ok::<_, AppError>(cached(req, body, ATOM, "public, max-age=300"))
    }
    .await;
    result.unwrap_or_else(|e| error(&e))
}

/// `GET /contacts.vcf`: the contacts the caller may see (signed-in callers only).
#[handler]
async fn contacts_vcf(req: &Request, Data(state): Data<&Arc<AppState>>) -> Response {
    let result = async {
        let viewer = viewer(req, state).await?;
        viewer.require_signed_in()?;
        let p = Params(params(req));
        let limit = p.limit(MAX_EXPORT_ROWS, MAX_EXPORT_ROWS)?;
        let filter = p.contact_filter(state, viewer.scope()).await?;
        let mut contacts = store::exports::contacts(&state.db, &filter, limit).await?;
        viewer.redact_contacts(&mut contacts);
        let organisations =
            store::exports::organisations(&state.db, contacts.iter().filter_map(|c| c.organisation_id)).await?;
        let body = export::vcard::cards(&contacts, &organisations);
        Ok::<_, AppError>(attachment(body, VCARD, "contacts.vcf", true))
    }
    .await;
    result.unwrap_or_else(|e| error(&e))
}

fn csv_body(body: Result<Vec<u8>, csv::Error>) -> Result<Vec<u8>, AppError> {
    body.map_err(AppError::internal)
}

/// `GET /events.csv`: the events list as the caller may see it.
#[handler]
async fn events_csv(req: &Request, Data(state): Data<&Arc<AppState>>) -> Response {
    let result = async {
        let viewer = viewer(req, state).await?;
        let p = Params(params(req));
        let limit = p.limit(MAX_EXPORT_ROWS, MAX_EXPORT_ROWS)?;
        let filter = p.event_filter(state, viewer.scope()).await?;
        let events = store::exports::events(&state.db, &filter, limit).await?;
        let organisations =
            store::exports::organisations(&state.db, events.iter().filter_map(|e| e.organiser_id)).await?;
        let body = csv_body(export::csv::events(&events, &organisations))?;
        Ok::<_, AppError>(attachment(body, CSV, "events.csv", !viewer.is_anonymous()))
    }
    .await;
    result.unwrap_or_else(|e| error(&e))
}

/// `GET /resources.csv`: the resources list as the caller may see it, newest first.
#[handler]
async fn resources_csv(req: &Request, Data(state): Data<&Arc<AppState>>) -> Response {
    let result = async {
        let viewer = viewer(req, state).await?;
        let p = Params(params(req));
        let limit = p.limit(MAX_EXPORT_ROWS, MAX_EXPORT_ROWS)?;
        let filter = p.resource_filter(state, viewer.scope()).await?;
        let resources =
            store::exports::resources(&state.db, &filter, store::resources::ResourceSort::CreatedAtDesc, limit).await?;
        let organisations =
            store::exports::organisations(&state.db, resources.iter().filter_map(|r| r.organisation_id)).await?;
        let body = csv_body(export::csv::resources(&resources, &organisations))?;
        Ok::<_, AppError>(attachment(body, CSV, "resources.csv", !viewer.is_anonymous()))
    }
    .await;
    result.unwrap_or_else(|e| error(&e))
}

/// `GET /contacts.csv`: the contacts the caller may see (signed-in callers only).
#[handler]
async fn contacts_csv(req: &Request, Data(state): Data<&Arc<AppState>>) -> Response {
    let result = async {
        let viewer = viewer(req, state).await?;
        viewer.require_signed_in()?;
        let p = Params(params(req));
        let limit = p.limit(MAX_EXPORT_ROWS, MAX_EXPORT_ROWS)?;
        let filter = p.contact_filter(state, viewer.scope()).await?;
        let mut contacts = store::exports::contacts(&state.db, &filter, limit).await?;
        viewer.redact_contacts(&mut contacts);
        let organisations =
            store::exports::organisations(&state.db, contacts.iter().filter_map(|c| c.organisation_id)).await?;
        let body = csv_body(export::csv::contacts(&contacts, &organisations))?;
        Ok::<_, AppError>(attachment(body, CSV, "contacts.csv", true))
    }
    .await;
    result.unwrap_or_else(|e| error(&e))
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
