//! The migrations that settle duplicates before a unique index, run over a database that
//! holds them: on SQLite, and on PostgreSQL when `PASSERELLE_TEST_DATABASE_URL` is set.

use chrono::{DateTime, Utc};
use migration::{Migrator, MigratorTrait};
use sea_orm::sea_query::{Alias, Expr, ExprTrait, Order, Query};
use sea_orm::{ConnectionTrait, Database, DatabaseConnection, DbErr};
use uuid::Uuid;

type ChronoDateTimeUtc = DateTime<Utc>;

/// Migrations before the feed and contact keys (`m20261201_000040`).
const BEFORE_KEYS: u32 = 11;

/// What removes a test database once its test is done.
enum CleanUp {
    File(std::path::PathBuf),
    Database { admin: DatabaseConnection, name: String },
}

impl CleanUp {
    async fn run(self) {
        match self {
            CleanUp::File(path) => {
                let _ = std::fs::remove_file(path);
            }
            CleanUp::Database { admin, name } => {
                let _ = admin
                    .execute_unprepared(&format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"))
                    .await;
            }
        }
    }
}

/// A fresh database on every backend available, with its clean-up.
async fn databases(test: &str) -> Vec<(DatabaseConnection, CleanUp)> {
    let path = std::env::temp_dir().join(format!("passerelle-{test}-{}.db", Uuid::now_v7()));
    let sqlite = Database::connect(format!("sqlite://{}?mode=rwc", path.display()))
        .await
        .expect("an SQLite file");
    let mut all = vec![(sqlite, CleanUp::File(path))];
    match std::env::var("PASSERELLE_TEST_DATABASE_URL") {
        Ok(admin_url) => {
            let admin = Database::connect(admin_url.as_str()).await.expect("PostgreSQL answers");
            let name = format!("passerelle_m_{}", Uuid::now_v7().simple());
            admin
                .execute_unprepared(&format!("CREATE DATABASE \"{name}\""))
                .await
                .expect("a test database");
            let base = admin_url.rsplit_once('/').map_or(admin_url.as_str(), |(base, _)| base);
            let pg = Database::connect(format!("{base}/{name}").as_str())
                .await
                .expect("the test database answers");
            all.push((pg, CleanUp::Database { admin, name }));
        }
        Err(_) => eprintln!("PostgreSQL half skipped: PASSERELLE_TEST_DATABASE_URL is not set"),
    }
    all
}

fn at(minutes: i64) -> ChronoDateTimeUtc {
    let start: ChronoDateTimeUtc = "2026-01-01T00:00:00Z".parse().expect("an instant");
    start + chrono::TimeDelta::minutes(minutes)
}

async fn organisation(db: &DatabaseConnection, slug: &str) -> Result<Uuid, DbErr> {
    let id = Uuid::now_v7();
    db.execute(
        &Query::insert()
            .into_table(Alias::new("organisations"))
            .columns(["id", "slug", "name", "name_key", "kind", "created_at", "updated_at"].map(Alias::new))
            .values_panic([
                id.into(),
                slug.into(),
                slug.into(),
                slug.into(),
                "association".into(),
                at(0).into(),
                at(0).into(),
            ])
            .to_owned(),
    )
    .await?;
    Ok(id)
}

async fn feed(db: &DatabaseConnection, organisation: Uuid, name: &str, url: &str, minute: i64) -> Result<Uuid, DbErr> {
    let id = Uuid::now_v7();
    let json = || Expr::cust("'[]'");
    let columns = [
        "id",
        "organisation_id",
        "name",
        "url",
        "format",
        "interval_minutes",
        "enabled",
        "default_visibility",
        "default_audiences",
        "timezone",
        "use_publication_date",
        "csv_columns",
        "consecutive_failures",
        "next_fetch_at",
        "created_at",
        "updated_at",
    ];
    db.execute(
        &Query::insert()
            .into_table(Alias::new("feeds"))
            .columns(columns.map(Alias::new))
            .values_panic([
                id.into(),
                organisation.into(),
                name.into(),
                url.into(),
                "ical".into(),
                60.into(),
                true.into(),
                "public".into(),
                json(),
                "Europe/Paris".into(),
                false.into(),
                Expr::cust("'{}'"),
                0.into(),
                at(minute).into(),
                at(minute).into(),
                at(minute).into(),
            ])
            .to_owned(),
    )
    .await?;
    Ok(id)
}

async fn contact(db: &DatabaseConnection, organisation: Option<Uuid>, email: &str, minute: i64) -> Result<Uuid, DbErr> {
    let id = Uuid::now_v7();
    let columns = [
        "id",
        "organisation_id",
        "first_name",
        "last_name",
        "email",
        "audiences",
        "tags",
        "visibility",
        "created_at",
        "updated_at",
    ];
    db.execute(
        &Query::insert()
            .into_table(Alias::new("contacts"))
            .columns(columns.map(Alias::new))
            .values_panic([
                id.into(),
                organisation.into(),
                "Camille".into(),
                "Martin".into(),
                email.into(),
                Expr::cust("'[]'"),
                Expr::cust("'[]'"),
                "partners".into(),
                at(minute).into(),
                at(minute).into(),
            ])
            .to_owned(),
    )
    .await?;
    Ok(id)
}

/// (id, key) of every row of `table`, oldest first.
async fn keys(db: &DatabaseConnection, table: &str, key: &str) -> Result<Vec<(Uuid, Option<String>)>, DbErr> {
    let rows = db
        .query_all(
            &Query::select()
                .columns([Alias::new("id"), Alias::new(key)])
                .from(Alias::new(table))
                .order_by(Alias::new("created_at"), Order::Asc)
                .to_owned(),
        )
        .await?;
    rows.iter()
        .map(|row| Ok((row.try_get("", "id")?, row.try_get("", key)?)))
        .collect()
}

#[tokio::test]
async fn duplicate_feeds_are_kept_disabled_and_the_index_refuses_new_ones() -> Result<(), DbErr> {
    for (db, clean_up) in databases("feed-url-key").await {
        Migrator::up(&db, Some(BEFORE_KEYS)).await?;
        let (org, other) = (
            organisation(&db, "capital-filles").await?,
            organisation(&db, "elles-bougent").await?,
        );
        let url = "https://agenda.example.org/public.ics";
        let kept = feed(&db, org, "Agenda", url, 1).await?;
        let twin = feed(&db, org, "Agenda (bis)", &format!("{url}#semaine"), 2).await?;
        let elsewhere = feed(&db, other, "Agenda", url, 3).await?;
        Migrator::up(&db, None).await?;

        let key = entity::feed::url_key(url);
        let rows = keys(&db, "feeds", "url_key").await?;
        assert_eq!(
            rows,
            [
                (kept, Some(key.clone())),
                (twin, Some(format!("{key}#{twin}"))),
                (elsewhere, Some(key.clone()))
            ]
        );
        // The later one is disabled, saying which feed it repeats; nothing was deleted.
        let state = db
            .query_one(
                &Query::select()
                    .columns([Alias::new("enabled"), Alias::new("last_error")])
                    .from(Alias::new("feeds"))
                    .and_where(Expr::col(Alias::new("id")).eq(twin))
                    .to_owned(),
            )
            .await?
            .expect("the duplicate is kept");
        assert!(!state.try_get::<bool>("", "enabled")?);
        let error: String = state.try_get("", "last_error")?;
        assert!(
            error.contains("« Agenda »") && error.contains(&kept.to_string()),
            "{error}"
        );
        // From now on the index refuses a second feed at the address.
        let again = db
            .execute(
                &Query::update()
                    .table(Alias::new("feeds"))
                    .value(Alias::new("url_key"), key)
                    .and_where(Expr::col(Alias::new("id")).eq(twin))
                    .to_owned(),
            )
            .await;
        assert!(again.is_err(), "{again:?}");
        Migrator::down(&db, Some(3)).await?;
        db.close().await?;
        clean_up.run().await;
    }
    Ok(())
}

#[tokio::test]
async fn contacts_sharing_an_address_keep_distinct_keys() -> Result<(), DbErr> {
    for (db, clean_up) in databases("contact-email-key").await {
        Migrator::up(&db, Some(BEFORE_KEYS)).await?;
        let org = organisation(&db, "capital-filles").await?;
        let first = contact(&db, Some(org), "Camille.Martin@example.org", 1).await?;
        let second = contact(&db, Some(org), "camille.martin@example.org", 2).await?;
        let unowned = contact(&db, None, "camille.martin@example.org", 3).await?;
        let unowned_too = contact(&db, None, "camille.martin@example.org", 4).await?;
        Migrator::up(&db, None).await?;

        let key = "camille.martin@example.org".to_string();
        assert_eq!(
            keys(&db, "contacts", "email_key").await?,
            [
                (first, Some(key.clone())),
                (second, Some(format!("{key} #{second}"))),
                (unowned, Some(key.clone())),
                (unowned_too, Some(key.clone())),
            ],
            "contacts of no organisation are not held to it"
        );
        let again = contact(&db, Some(org), "x@example.org", 5).await?;
        let taken = db
            .execute(
                &Query::update()
                    .table(Alias::new("contacts"))
                    .value(Alias::new("email_key"), key)
                    .and_where(Expr::col(Alias::new("id")).eq(again))
                    .to_owned(),
            )
            .await;
        assert!(taken.is_err(), "{taken:?}");
        Migrator::down(&db, Some(3)).await?;
        db.close().await?;
        clean_up.run().await;
    }
    Ok(())
}
