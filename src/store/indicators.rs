//! The indicators, computed in SQL: one `GROUP BY` statement per kind of record (actions,
//! events, resources, kit loans, and reports on actions, on events and on loans), each under
//! the visibility policy, whose grouped rows are then added up by group (`domain::indicators`,
//! which also says what each figure counts). No record is read into memory.

use chrono::{DateTime, NaiveDate, TimeZone, Utc};
use entity::{EventStatus, KitLoanStatus};
use sea_orm::sea_query::{
    Alias, Expr, ExprTrait, Func, IntoIden, JoinType, Query, SelectStatement, SimpleExpr, TableRef,
};
use sea_orm::{ConnectionTrait, DatabaseBackend, EntityName, Iterable, QueryResult, Value};
use uuid::Uuid;

use super::Scope;
use super::page::Listed;
use crate::domain::indicators::{Dimension, Figures, GroupKey, Grouping, IndicatorFilter, merge};
use crate::error::{AppError, AppResult};

/// The zone dates are days of.
const ZONE: chrono_tz::Tz = chrono_tz::Europe::Paris;

/// A column of a table (or an alias), quoted as both databases read it.
fn col(table: &str, column: &str) -> String {
    format!("\"{table}\".\"{column}\"")
}

/// How a kind of record is dated.
enum Dated {
    /// A timestamp column: its day in Europe/Paris.
    Instant(String),
    /// A date column.
    Day(String),
}

/// One kind of record: where it is read from, what each dimension reads, and its figures.
struct Source {
    /// `FROM` and joins, with the visibility policy and the kind's own conditions.
    query: SelectStatement,
    region: String,
    organisation: String,
    audiences: String,
    dated: Dated,
    action_status: Option<String>,
    resource_kind: Option<String>,
    /// Aggregates, each named after its figure.
    figures: Vec<(&'static str, SimpleExpr)>,
}

/// `COALESCE(SUM(expr), 0)` as a 64-bit integer on both databases.
fn sum(backend: DatabaseBackend, expr: SimpleExpr) -> SimpleExpr {
    let summed: SimpleExpr = Func::coalesce([Func::sum(expr).into(), Expr::cust("0")]).into();
    match backend {
        DatabaseBackend::Postgres => summed.cast_as(Alias::new("BIGINT")),
        _ => summed,
    }
}

fn count_all(backend: DatabaseBackend) -> SimpleExpr {
    sum(backend, Expr::cust("1"))
}

/// `CASE WHEN cond THEN 1 ELSE 0 END`, with literals (a bound number would leave PostgreSQL
/// guessing its type).
fn one_if(cond: SimpleExpr) -> SimpleExpr {
    Expr::case(cond, Expr::cust("1")).finally(Expr::cust("0")).into()
}

/// The year or month of a dated record, as an integer.
fn date_part(backend: DatabaseBackend, dated: &Dated, part: &str) -> String {
    let (pg, sqlite) = match part {
        "year" => ("YEAR", "%Y"),
        _ => ("MONTH", "%m"),
    };
    match (backend, dated) {
        (DatabaseBackend::Postgres, Dated::Instant(c)) => {
            format!("CAST(EXTRACT({pg} FROM ({c} AT TIME ZONE 'Europe/Paris')) AS INTEGER)")
        }
        (DatabaseBackend::Postgres, Dated::Day(c)) => format!("CAST(EXTRACT({pg} FROM {c}) AS INTEGER)"),
        // SQLite knows no zones. Paris is UTC+2 from the last Sunday of March to the last
        // Sunday of October and UTC+1 otherwise; only the last hours of a month can fall in the
        // next one, and at the end of every month from March to September summer time is in
        // force, at the end of the others it is not: so the month and year of an instant are
        // exactly those of the instant shifted by +2 h in March–September, +1 h otherwise.
        (_, Dated::Instant(c)) => format!(
            "CAST(strftime('{sqlite}', {c}, CASE WHEN CAST(strftime('%m', {c}) AS INTEGER) BETWEEN 3 AND 9 \
             THEN '+2 hours' ELSE '+1 hour' END) AS INTEGER)"
        ),
        (_, Dated::Day(c)) => format!("CAST(strftime('{sqlite}', {c}) AS INTEGER)"),
    }
}

/// Midnight of `day` in Europe/Paris.
fn midnight(day: NaiveDate) -> DateTime<Utc> {
    let local = day.and_time(chrono::NaiveTime::MIN);
    ZONE.from_local_datetime(&local)
        .earliest()
        // Paris has no gap at midnight; UTC midnight is the fallback a gap would need.
        .map_or_else(|| local.and_utc(), |t| t.with_timezone(&Utc))
}

/// `column` (a JSON array of strings) holds one of `values`.
fn holds_any(backend: DatabaseBackend, column: &str, values: &[&str]) -> SimpleExpr {
    let mut any: Option<SimpleExpr> = None;
    for value in values {
        let one = match backend {
            DatabaseBackend::Postgres => {
                Expr::cust_with_values(format!("{column} @> $1"), [Value::from(serde_json::json!([value]))])
            }
            _ => Expr::cust_with_values(
                format!("EXISTS (SELECT 1 FROM json_each({column}) WHERE json_each.value = ?)"),
                [*value],
            ),
        };
        any = Some(match any {
            None => one,
            Some(other) => other.or(one),
        });
    }
    any.unwrap_or_else(|| Expr::cust("TRUE"))
}

/// The records of `source` as `filter` narrows them, grouped by `grouping`.
async fn run(
    db: &impl ConnectionTrait,
    mut source: Source,
    filter: &IndicatorFilter,
    grouping: &Grouping,
) -> AppResult<Vec<(GroupKey, Figures)>> {
    let backend = db.get_database_backend();
    let q = &mut source.query;
    if !filter.organisation_ids.is_empty() {
        q.and_where(Expr::cust(source.organisation.clone()).is_in(filter.organisation_ids.iter().copied()));
    }
    if !filter.regions.is_empty() {
        q.and_where(Expr::cust(source.region.clone()).is_in(filter.regions.iter().map(|r| r.as_str())));
    }
    if !filter.audiences.is_empty() {
        let values: Vec<&str> = filter.audiences.iter().map(|a| a.as_str()).collect();
        q.and_where(holds_any(backend, &source.audiences, &values));
    }
    match &source.dated {
        Dated::Instant(c) => {
            if let Some(from) = filter.from {
                q.and_where(Expr::cust(c.clone()).gte(midnight(from)));
            }
            if let Some(until) = filter.until {
                q.and_where(Expr::cust(c.clone()).lt(midnight(until + chrono::Duration::days(1))));
            }
        }
        Dated::Day(c) => {
            if let Some(from) = filter.from {
                q.and_where(Expr::cust(c.clone()).gte(from));
            }
            if let Some(until) = filter.until {
                q.and_where(Expr::cust(c.clone()).lte(until));
            }
        }
    }

    // SQLite would read a plain column's groups in the order of an index on it, looking up
    // every row for the other columns (seconds at a million events); `+column` (a no-op on any
    // value) leaves it the covering index and a sort of the few groups.
    let group = |column: &str| match backend {
        DatabaseBackend::Sqlite => format!("+{column}"),
        _ => column.to_string(),
    };
    // The grouped dimensions this kind has, in a fixed order; the others stay empty.
    let mut dims: Vec<(&'static str, String)> = Vec::new();
    for d in grouping.dimensions() {
        match d {
            Dimension::Region => dims.push(("g_region", group(&source.region))),
            Dimension::Organisation => dims.push(("g_organisation", group(&source.organisation))),
            Dimension::Audience => {
                let aud = Alias::new("aud");
                let function = match backend {
                    DatabaseBackend::Postgres => "jsonb_array_elements_text",
                    _ => "json_each",
                };
                q.join(
                    JoinType::LeftJoin,
                    TableRef::FunctionCall(
                        Func::cust(Alias::new(function)).arg(Expr::cust(source.audiences.clone())),
                        aud.into_iden(),
                    ),
                    Expr::cust("TRUE"),
                );
                dims.push(("g_audience", col("aud", "value")));
            }
            Dimension::Year | Dimension::Month => {}
            Dimension::ActionStatus => {
                if let Some(e) = &source.action_status {
                    dims.push(("g_action_status", group(e)));
                }
            }
            Dimension::ResourceKind => {
                if let Some(e) = &source.resource_kind {
                    dims.push(("g_resource_kind", group(e)));
                }
            }
        }
    }
    if grouping.reads_year() {
        dims.push(("g_year", date_part(backend, &source.dated, "year")));
    }
    if grouping.has(Dimension::Month) {
        dims.push(("g_month", date_part(backend, &source.dated, "month")));
    }
    for (alias, expr) in &dims {
        q.expr_as(Expr::cust(expr.clone()), Alias::new(*alias));
    }
    for (alias, expr) in &source.figures {
        q.expr_as(expr.clone(), Alias::new(*alias));
    }
    if !dims.is_empty() {
        // By position: the same expressions as selected, whatever they hold.
        q.add_group_by((1..=dims.len()).map(|i| Expr::cust(i.to_string())));
    }
    let rows = db.query_all(&*q).await?;
    let mut out = Vec::with_capacity(rows.len());
    for row in rows {
        out.push((key(&row, &dims)?, figures(&row, &source.figures)?));
    }
    Ok(out)
}

fn parse_enum<T: Iterable + Copy>(value: Option<String>, as_str: fn(T) -> &'static str) -> Option<T> {
    let value = value?;
    T::iter().find(|v| as_str(*v) == value)
}

fn key(row: &QueryResult, dims: &[(&'static str, String)]) -> AppResult<GroupKey> {
    let mut key = GroupKey::default();
    for (alias, _) in dims {
        let text = || row.try_get::<Option<String>>("", alias);
        match *alias {
            "g_region" => key.region = parse_enum(text()?, entity::Region::as_str),
            "g_organisation" => key.organisation = row.try_get::<Option<Uuid>>("", alias)?,
            "g_audience" => key.audience = parse_enum(text()?, entity::Audience::as_str),
            "g_action_status" => key.action_status = parse_enum(text()?, entity::ActionStatus::as_str),
            "g_resource_kind" => key.resource_kind = parse_enum(text()?, entity::ResourceKind::as_str),
            "g_year" => key.year = row.try_get::<Option<i32>>("", alias)?,
            "g_month" => {
                key.month = row
                    .try_get::<Option<i32>>("", alias)?
                    .and_then(|m| u32::try_from(m).ok())
            }
            other => return Err(AppError::internal(anyhow::anyhow!("unknown indicator column {other}"))),
        }
    }
    Ok(key)
}

fn figures(row: &QueryResult, columns: &[(&'static str, SimpleExpr)]) -> AppResult<Figures> {
    let mut f = Figures::default();
    for (alias, _) in columns {
        let n: i64 = row.try_get("", alias)?;
        let slot = match *alias {
            "people_reached" => &mut f.people_reached,
            "actions" => &mut f.actions,
            "events_held" => &mut f.events_held,
            "events_upcoming" => &mut f.events_upcoming,
            "events_cancelled" => &mut f.events_cancelled,
            "experience_reports" => &mut f.experience_reports,
            "rating_sum" => &mut f.rating_sum,
            "rating_count" => &mut f.rating_count,
            "resources" => &mut f.resources,
            "resources_free_of_rights" => &mut f.resources_free_of_rights,
            "kit_loans" => &mut f.kit_loans,
            "loan_days" => &mut f.loan_days,
            other => return Err(AppError::internal(anyhow::anyhow!("unknown indicator figure {other}"))),
        };
        *slot = n;
    }
    Ok(f)
}

/// Reports' figures: how many, their ratings, and the people they reached when `counted`
/// says their figure counts (see the people-reached rule).
fn report_figures(backend: DatabaseBackend, counted: SimpleExpr) -> Vec<(&'static str, SimpleExpr)> {
    let people = col("experience_reports", "people_reached");
    vec![
        ("experience_reports", count_all(backend)),
        (
            "rating_sum",
            sum(backend, Expr::cust(col("experience_reports", "rating"))),
        ),
        (
            "rating_count",
            sum(
                backend,
                one_if(Expr::cust(col("experience_reports", "rating")).is_not_null()),
            ),
        ),
        (
            "people_reached",
            sum(
                backend,
                Expr::case(counted, Expr::cust(format!("COALESCE({people}, 0)")))
                    .finally(Expr::cust("0"))
                    .into(),
            ),
        ),
    ]
}

fn actions(backend: DatabaseBackend, scope: Scope) -> Source {
    let t = "actions";
    let mut query = Query::select();
    query
        .from(entity::action::Entity.table_ref())
        .cond_where(<entity::action::Entity as Listed>::visible(scope));
    Source {
        query,
        region: col(t, "region"),
        organisation: col(t, "organisation_id"),
        audiences: col(t, "audiences"),
        dated: Dated::Instant(col(t, "created_at")),
        action_status: Some(col(t, "status")),
        resource_kind: None,
        figures: vec![
            ("actions", count_all(backend)),
            ("people_reached", sum(backend, Expr::cust(col(t, "people_reached")))),
        ],
    }
}

fn events(backend: DatabaseBackend, scope: Scope, now: DateTime<Utc>) -> Source {
    let t = "events";
    let status = || Expr::cust(col(t, "status"));
    let mut query = Query::select();
    query
        .from(entity::event::Entity.table_ref())
        .cond_where(<entity::event::Entity as Listed>::visible(scope))
        .and_where(status().ne(EventStatus::RemovedUpstream.as_str()));
    let scheduled = || status().eq(EventStatus::Scheduled.as_str());
    Source {
        query,
        region: col(t, "region"),
        organisation: col(t, "organiser_id"),
        audiences: col(t, "audiences"),
        dated: Dated::Instant(col(t, "starts_at")),
        action_status: None,
        resource_kind: None,
        figures: vec![
            (
                "events_held",
                sum(
                    backend,
                    one_if(scheduled().and(Expr::cust(col(t, "starts_at")).lt(now))),
                ),
            ),
            (
                "events_upcoming",
                sum(
                    backend,
                    one_if(scheduled().and(Expr::cust(col(t, "starts_at")).gte(now))),
                ),
            ),
            (
                "events_cancelled",
                sum(backend, one_if(status().eq(EventStatus::Cancelled.as_str()))),
            ),
        ],
    }
}

fn resources(backend: DatabaseBackend, scope: Scope) -> Source {
    let t = "resources";
    let owner = Alias::new("owner");
    let mut query = Query::select();
    query
        .from(entity::resource::Entity.table_ref())
        .join_as(
            JoinType::LeftJoin,
            entity::organisation::Entity.table_ref(),
            owner,
            Expr::cust(format!("{} = {}", col("owner", "id"), col(t, "organisation_id"))),
        )
        .cond_where(<entity::resource::Entity as Listed>::visible(scope));
    Source {
        query,
        region: col("owner", "region"),
        organisation: col(t, "organisation_id"),
        audiences: col(t, "audiences"),
        dated: Dated::Instant(col(t, "created_at")),
        action_status: None,
        resource_kind: Some(col(t, "kind")),
        figures: vec![
            ("resources", count_all(backend)),
            (
                "resources_free_of_rights",
                sum(backend, one_if(Expr::cust(col(t, "free_of_rights")).eq(true))),
            ),
        ],
    }
}

/// Kit loans joined to their kit, its resource and the borrower (for the dimensions).
fn loans_query(scope: Scope) -> SelectStatement {
    let l = "kit_loans";
    let mut query = Query::select();
    query
        .from(entity::kit_loan::Entity.table_ref())
        .join(
            JoinType::InnerJoin,
            entity::kit::Entity.table_ref(),
            Expr::cust(format!("{} = {}", col("kits", "id"), col(l, "kit_id"))),
        )
        .join(
            JoinType::InnerJoin,
            entity::resource::Entity.table_ref(),
            Expr::cust(format!("{} = {}", col("resources", "id"), col("kits", "resource_id"))),
        )
        .join_as(
            JoinType::InnerJoin,
            entity::organisation::Entity.table_ref(),
            Alias::new("borrower"),
            Expr::cust(format!(
                "{} = {}",
                col("borrower", "id"),
                col(l, "borrower_organisation_id")
            )),
        )
        .cond_where(<entity::kit_loan::Entity as Listed>::visible(scope))
        .and_where(
            Expr::cust(col(l, "status")).is_in(super::kit_loans::SETTLED.iter().map(|s: &KitLoanStatus| s.as_str())),
        );
    query
}

fn loans(backend: DatabaseBackend, scope: Scope) -> Source {
    let l = "kit_loans";
    let days = match backend {
        DatabaseBackend::Postgres => format!("({} - {})", col(l, "ends_on"), col(l, "starts_on")),
        _ => format!(
            "CAST(julianday({}) - julianday({}) AS INTEGER)",
            col(l, "ends_on"),
            col(l, "starts_on")
        ),
    };
    Source {
        query: loans_query(scope),
        region: col("borrower", "region"),
        organisation: col(l, "lender_organisation_id"),
        audiences: col("resources", "audiences"),
        dated: Dated::Day(col(l, "starts_on")),
        action_status: None,
        resource_kind: Some(col("resources", "kind")),
        figures: vec![
            ("kit_loans", count_all(backend)),
            ("loan_days", sum(backend, Expr::cust(days))),
        ],
    }
}

fn reports_on_actions(backend: DatabaseBackend, scope: Scope) -> Source {
    let a = "actions";
    let mut query = Query::select();
    query
        .from(entity::experience_report::Entity.table_ref())
        .join(
            JoinType::InnerJoin,
            entity::action::Entity.table_ref(),
            Expr::cust(format!("{} = {}", col(a, "id"), col("experience_reports", "action_id"))),
        )
        .cond_where(<entity::action::Entity as Listed>::visible(scope));
    Source {
        query,
        region: col(a, "region"),
        organisation: col(a, "organisation_id"),
        audiences: col(a, "audiences"),
        dated: Dated::Day(col("experience_reports", "reported_on")),
        action_status: Some(col(a, "status")),
        resource_kind: None,
        // An action's own figure is its total: its reports' figures are parts of it.
        figures: report_figures(backend, Expr::cust(col(a, "people_reached")).is_null()),
    }
}

fn reports_on_events(backend: DatabaseBackend, scope: Scope) -> Source {
    let e = "events";
    let mut query = Query::select();
    query
        .from(entity::experience_report::Entity.table_ref())
        .join(
            JoinType::InnerJoin,
            entity::event::Entity.table_ref(),
            Expr::cust(format!("{} = {}", col(e, "id"), col("experience_reports", "event_id"))),
        )
        .cond_where(<entity::event::Entity as Listed>::visible(scope));
    Source {
        query,
        region: col(e, "region"),
        organisation: col(e, "organiser_id"),
        audiences: col(e, "audiences"),
        dated: Dated::Day(col("experience_reports", "reported_on")),
        action_status: None,
        resource_kind: None,
        figures: report_figures(backend, Expr::cust("TRUE")),
    }
}

fn reports_on_loans(backend: DatabaseBackend, scope: Scope) -> Source {
    let mut query = loans_query(scope);
    query.join(
        JoinType::InnerJoin,
        entity::experience_report::Entity.table_ref(),
        Expr::cust(format!(
            "{} = {}",
            col("experience_reports", "kit_loan_id"),
            col("kit_loans", "id")
        )),
    );
    Source {
        query,
        region: col("borrower", "region"),
        organisation: col("kit_loans", "lender_organisation_id"),
        audiences: col("resources", "audiences"),
        dated: Dated::Day(col("experience_reports", "reported_on")),
        action_status: None,
        resource_kind: Some(col("resources", "kind")),
        figures: report_figures(backend, Expr::cust("TRUE")),
    }
}

/// The indicators `scope` may see, narrowed by `filter` and grouped by `grouping`, at `now`
/// (which tells held events from upcoming ones). At most `GROUPS_MAX` groups.
pub async fn compute(
    db: &impl ConnectionTrait,
    scope: Scope,
    filter: &IndicatorFilter,
    grouping: &Grouping,
    now: DateTime<Utc>,
) -> AppResult<Vec<(GroupKey, Figures)>> {
    let backend = db.get_database_backend();
    let sources = [
        actions(backend, scope),
        events(backend, scope, now),
        resources(backend, scope),
        loans(backend, scope),
        reports_on_actions(backend, scope),
        reports_on_events(backend, scope),
        reports_on_loans(backend, scope),
    ];
    let mut rows = Vec::new();
    for source in sources {
        rows.extend(run(db, source, filter, grouping).await?);
    }
    let merged = merge(rows);
    if merged.len() > crate::domain::indicators::GROUPS_MAX {
        return Err(AppError::bad_input(
            "groupBy",
            format!(
                "plus de {} groupes : resserrez le filtre ou le regroupement / more than {} groups: narrow the filter or the grouping",
                crate::domain::indicators::GROUPS_MAX,
                crate::domain::indicators::GROUPS_MAX
            ),
        ));
    }
    // A grouping with no record at all still answers one row of zeros, so that a total is
    // always there to read.
    if merged.is_empty() && grouping.dimensions().is_empty() {
        return Ok(vec![(GroupKey::default(), Figures::default())]);
    }
    Ok(merged)
}

#[cfg(test)]
mod tests {
    use std::str::FromStr;

    use super::*;

    #[test]
    fn days_start_at_midnight_in_paris() {
        let day = NaiveDate::from_str("2027-07-01").expect("a date");
        assert_eq!(midnight(day).to_rfc3339(), "2027-06-30T22:00:00+00:00");
        let day = NaiveDate::from_str("2027-01-01").expect("a date");
        assert_eq!(midnight(day).to_rfc3339(), "2026-12-31T23:00:00+00:00");
    }
}
