//! `GET /indicators.csv` and `GET /indicators.svg`: the `indicators` query as a spreadsheet and
//! as a bar chart, with its parameters in the query string, under the caller's visibility
//! (anonymous, or `Authorization: Bearer …`):
//!
//! - `groupBy`: up to three of `REGION`, `ORGANISATION`, `AUDIENCE`, `YEAR`, `MONTH`,
//!   `ACTION_STATUS`, `RESOURCE_KIND`, comma-separated;
//! - `organisation` (ids or slugs), `region`, `audience`: comma-separated lists;
//! - `from`, `until`: days (`2027-01-31`), both included;
//! - for the chart, `figure`: `peopleReached` (default), `actions`, `events`, `eventsHeld`,
//!   `experienceReports`, `meanRating`, `resources`, `kitLoans`, `loanDays`.

use std::sync::Arc;

use chrono::NaiveDate;
use poem::web::Data;
use poem::{Request, Response, Route, get, handler};
use sea_orm::Iterable;

use super::AppState;
use super::export::{CSV, Params, attachment, cached, error, params, viewer};
use crate::domain::indicators::{Dimension, Figure, Figures, GroupKey, Grouping, IndicatorFilter};
use crate::error::AppError;
use crate::export;
use crate::store;

const SVG: &str = "image/svg+xml; charset=utf-8";

/// Adds the indicator routes to `route`.
pub fn routes(route: Route) -> Route {
    route
        .at("/indicators.csv", get(indicators_csv))
        .at("/indicators.svg", get(indicators_svg))
}

fn list<'a>(p: &'a Params, names: &[&str]) -> Vec<&'a str> {
    p.get(names)
        .map(|v| v.split(',').map(str::trim).filter(|s| !s.is_empty()).collect())
        .unwrap_or_default()
}

/// A stored enum by its value or its GraphQL name.
fn choice<T: Iterable + Copy>(field: &str, raw: &str, value_of: fn(T) -> &'static str) -> Result<T, AppError> {
    let wanted = raw.to_ascii_lowercase().replace('-', "_");
    T::iter()
        .find(|v| value_of(*v) == wanted)
        .ok_or_else(|| AppError::bad_input(field, format!("{field} has no value {raw:?}")))
}

fn dimension(raw: &str) -> Result<Dimension, AppError> {
    let all = [
        ("region", Dimension::Region),
        ("organisation", Dimension::Organisation),
        ("organization", Dimension::Organisation),
        ("audience", Dimension::Audience),
        ("year", Dimension::Year),
        ("month", Dimension::Month),
        ("action_status", Dimension::ActionStatus),
        ("resource_kind", Dimension::ResourceKind),
    ];
    let wanted = raw.to_ascii_lowercase().replace('-', "_");
    all.iter()
        .find(|(name, _)| *name == wanted)
        .map(|(_, d)| *d)
        .ok_or_else(|| AppError::bad_input("groupBy", format!("groupBy has no dimension {raw:?}")))
}

fn day(p: &Params, name: &str) -> Result<Option<NaiveDate>, AppError> {
    p.get(&[name])
        .map(|v| {
            NaiveDate::parse_from_str(v, "%Y-%m-%d")
                .map_err(|_| AppError::bad_input(name, format!("{name} must be a day such as 2027-01-31")))
        })
        .transpose()
}

/// The query's parameters, read as the GraphQL field reads its arguments.
async fn query(p: &Params, state: &AppState) -> Result<(IndicatorFilter, Grouping), AppError> {
    let grouping = Grouping::parse(
        list(p, &["groupBy", "group_by"])
            .into_iter()
            .map(dimension)
            .collect::<Result<_, _>>()?,
    )?;
    let mut organisation_ids = Vec::new();
    for raw in list(
        p,
        &["organisation", "organisationId", "organisationIds", "organization"],
    ) {
        let one = Params(std::iter::once(("organisation".to_string(), raw.to_string())).collect());
        organisation_ids.extend(one.organisation(state).await?);
    }
    let filter = IndicatorFilter::parse(IndicatorFilter {
        organisation_ids,
        regions: list(p, &["region", "regions"])
            .into_iter()
            .map(|r| choice("region", r, entity::Region::as_str))
            .collect::<Result<_, _>>()?,
        audiences: list(p, &["audience", "audiences"])
            .into_iter()
            .map(|a| choice("audience", a, entity::Audience::as_str))
            .collect::<Result<_, _>>()?,
        from: day(p, "from")?,
        until: day(p, "until")?,
    })?;
    Ok((filter, grouping))
}

/// The figures and the organisation names they are labelled with.
async fn compute(
    req: &Request,
    state: &AppState,
) -> Result<
    (
        Grouping,
        Vec<(GroupKey, Figures)>,
        export::indicators::Names,
        Params,
        bool,
    ),
    AppError,
> {
    let viewer = viewer(req, state).await?;
    let p = Params(params(req));
    let (filter, grouping) = query(&p, state).await?;
    let rows = store::indicators::compute(&state.db, viewer.scope(), &filter, &grouping, store::now()).await?;
    let names = store::exports::organisations(&state.db, rows.iter().filter_map(|(k, _)| k.organisation))
        .await?
        .into_iter()
        .map(|(id, o)| (id, o.name))
        .collect();
    Ok((grouping, rows, names, p, viewer.is_anonymous()))
}

/// `GET /indicators.csv`.
#[handler]
async fn indicators_csv(req: &Request, Data(state): Data<&Arc<AppState>>) -> Response {
    let result = async {
        let (grouping, rows, names, _, anonymous) = compute(req, state).await?;
        let body = export::indicators::csv(&grouping, &rows, &names).map_err(AppError::internal)?;
        Ok::<_, AppError>(attachment(body, CSV, "indicateurs.csv", !anonymous))
    }
    .await;
    result.unwrap_or_else(|e| error(&e))
}

/// `GET /indicators.svg`.
#[handler]
async fn indicators_svg(req: &Request, Data(state): Data<&Arc<AppState>>) -> Response {
    let result = async {
        let (grouping, rows, names, p, anonymous) = compute(req, state).await?;
        let figure = match p.get(&["figure"]) {
            None => Figure::PeopleReached,
            Some(raw) => Figure::parse(raw)
                .ok_or_else(|| AppError::bad_input("figure", format!("figure has no value {raw:?}")))?,
        };
        let body = export::indicators::svg(&grouping, &rows, &names, figure).map_err(AppError::internal)?;
        let cache = if anonymous {
            "public, max-age=300"
        } else {
            "private, max-age=300"
        };
        Ok::<_, AppError>(cached(req, body, SVG, cache))
    }
    .await;
    result.unwrap_or_else(|e| error(&e))
}
