//! Data passes: rewrites of stored values by the hub's own rules, which migrations (a crate of
//! their own, without those rules) cannot do. Each pass runs once per database, after the
//! migrations and under their lock, and is recorded in `data_passes` (created by
//! `m20261201_000042_create_data_passes`); a pass is idempotent, so one cut short by a crash
//! simply runs again at the next start.
//!
//! The one pass so far puts every stored long text under the one HTML rule
//! (`domain::rich_text::sanitise`): rows written before the rule reached every entry point
//! (descriptions typed into the API were stored as typed, `<script>` included).

use anyhow::Context;
use sea_orm::sea_query::{Alias, Expr, ExprTrait, Order, Query};
use sea_orm::{ConnectionTrait, DatabaseConnection, Value};
use uuid::Uuid;

use crate::domain::rich_text;
use crate::search::RecordType;

/// Rows read and rewritten per transaction.
const BATCH: u64 = 500;

/// The tables with long texts, the columns that hold them (nullable ones first; the last of
/// `experience_reports` is not null), and their search type.
const LONG_TEXTS: [(&str, &[&str], Option<RecordType>); 8] = [
    ("organisations", &["description"], Some(RecordType::Organisation)),
    ("resources", &["content", "description"], Some(RecordType::Resource)),
    ("events", &["description"], Some(RecordType::Event)),
    (
        "actions",
        &[
            "summary",
            "findings",
            "objectives",
            "achievements",
            "stakeholders",
            "obstacles",
            "indicators",
            "feedback",
        ],
        Some(RecordType::Action),
    ),
    ("experience_reports", &["text"], None),
    ("contacts", &["notes"], Some(RecordType::Contact)),
    ("kits", &["condition_notes"], None),
    ("kit_loans", &["notes"], None),
];

/// The name of the long-text pass of the rule's current version.
fn long_text_pass() -> String {
    format!("sanitise_long_texts_v{}", rich_text::RULE_VERSION)
}

/// Runs every pass this database has not recorded yet.
pub async fn run_pending(db: &DatabaseConnection) -> anyhow::Result<()> {
    let name = long_text_pass();
    if done(db, &name).await? {
        return Ok(());
    }
    let mut changed = 0;
    for (table, columns, ty) in LONG_TEXTS {
        changed += sanitise_table(db, table, columns, ty)
            .await
            .with_context(|| format!("cannot sanitise the long texts of {table}"))?;
    }
    record(db, &name).await?;
    if changed > 0 {
        tracing::info!(rows = changed, "stored long texts put under the HTML rule");
    }
    Ok(())
}

async fn done(db: &DatabaseConnection, name: &str) -> anyhow::Result<bool> {
    let query = Query::select()
        .expr(Expr::col(Alias::new("name")))
        .from(Alias::new("data_passes"))
        .and_where(Expr::col(Alias::new("name")).eq(name))
        .to_owned();
    Ok(db
        .query_one(&query)
        .await
        .context("cannot read the data passes")?
        .is_some())
}

async fn record(db: &DatabaseConnection, name: &str) -> anyhow::Result<()> {
    let insert = Query::insert()
        .into_table(Alias::new("data_passes"))
        .columns([Alias::new("name"), Alias::new("done_at")])
        .values_panic([name.into(), super::now().into()])
        .to_owned();
    db.execute(&insert).await.context("cannot record the data pass")?;
    Ok(())
}

/// Rewrites the long texts of `table` that the rule changes, batch by batch in id order, each
/// batch in one unit of work (queueing the changed records for the search index). Returns the
/// rows changed.
async fn sanitise_table(
    db: &DatabaseConnection,
    table: &'static str,
    columns: &[&'static str],
    ty: Option<RecordType>,
) -> anyhow::Result<u64> {
    let mut after: Option<Uuid> = None;
    let mut changed = 0;
    loop {
        let mut select = Query::select();
        select
            .column(Alias::new("id"))
            .columns(columns.iter().map(|c| Alias::new(*c)))
            .from(Alias::new(table))
            .order_by(Alias::new("id"), Order::Asc)
            .limit(BATCH);
        if let Some(last) = after {
            select.and_where(Expr::col(Alias::new("id")).gt(last));
        }
        let rows = db.query_all(&select).await?;
        let Some(last) = rows.last() else {
            return Ok(changed);
        };
        after = Some(last.try_get("", "id")?);
        let mut updates = Vec::new();
        for row in &rows {
            let id: Uuid = row.try_get("", "id")?;
            let mut update = Query::update();
            update
                .table(Alias::new(table))
                .and_where(Expr::col(Alias::new("id")).eq(id));
            let mut differs = false;
            for column in columns {
                let Some(stored) = row.try_get::<Option<String>>("", column)? else {
                    continue;
                };
                let cleaned = rich_text::sanitise(&stored);
                if cleaned != stored {
                    differs = true;
                    // An optional text left empty is absent; `experience_reports.text` is
                    // required, and keeps the empty text.
                    let value = match cleaned.is_empty() && table != "experience_reports" {
                        true => Value::String(None),
                        false => cleaned.into(),
                    };
                    update.value(Alias::new(*column), value);
                }
            }
            if differs {
                updates.push((id, update));
            }
        }
        if updates.is_empty() {
            continue;
        }
        let txn = super::unit::begin(db).await?;
        let ids: Vec<Uuid> = updates.iter().map(|(id, _)| *id).collect();
        for (_, update) in updates {
            txn.execute(&update).await?;
        }
        if let Some(ty) = ty {
            super::outbox::enqueue(&txn, ty, &ids).await?;
        }
        txn.commit().await?;
        changed += ids.len() as u64;
    }
}
