//! What the command line does besides serving.

use anyhow::{Context, bail};

use crate::auth::accounts;
use crate::config::{Config, DatabaseKind};
use crate::store;

/// Says which database a command works on (its password masked), on the log.
pub fn announce_database(config: &Config) {
    tracing::info!("base de données / database: {}", store::describe_database(config));
}

/// The database of a command that works on existing data: never created here (see
/// `store::require_existing_database`), its pending migrations applied.
async fn open(config: &Config) -> anyhow::Result<sea_orm::DatabaseConnection> {
    announce_database(config);
    store::require_existing_database(config)?;
    let (db, _) = store::connect(config).await?;
    store::migrate(&db).await?;
    Ok(db)
}

/// A progress bar on a terminal (nothing when the output is a file or a pipe), and the
/// `progress(done, total)` callback that moves it.
fn progress_bar(template: &str) -> (indicatif::ProgressBar, impl Fn(u64, u64) + Sync + use<>) {
    let bar = indicatif::ProgressBar::with_draw_target(None, indicatif::ProgressDrawTarget::stderr());
    bar.set_style(
        indicatif::ProgressStyle::with_template(template).unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
    );
    let moved = bar.clone();
    (bar, move |done: u64, total: u64| {
        moved.set_length(total);
        moved.set_position(done);
    })
}

/// The organisation a command names by its slug.
async fn organisation_by_slug(
    db: &sea_orm::DatabaseConnection,
    slug: &str,
) -> anyhow::Result<entity::organisation::Model> {
    match store::organisations::by_slug(db, slug).await? {
        Some(org) => Ok(org),
        None => bail!("no organisation has the slug {slug:?}"),
    }
}

/// Applies pending migrations, creating the database when it does not exist yet, and says
/// what it did.
pub async fn migrate(config: &Config) -> anyhow::Result<()> {
    announce_database(config);
    if config.database_kind() == DatabaseKind::Sqlite {
        config.prepare_data_dir()?;
    }
    let (db, _) = store::connect(config).await?;
    let applied = store::migrate(&db).await?;
    db.close().await?;
    if applied == 0 {
        println!("Aucune migration en attente : la base est à jour.");
        println!("No pending migration: the database is up to date.");
    } else {
        println!("{applied} migrations appliquées.");
        println!("{applied} migrations applied.");
    }
    Ok(())
}

/// `passerelle user create`: prints the temporary password once and queues the invitation
/// (sent by the running hub's mail sender).
pub async fn create_user(
    config: &Config,
    email: &str,
    organisation: Option<&str>,
    role: entity::Role,
    name: Option<&str>,
    locale: entity::Locale,
    json: bool,
) -> anyhow::Result<()> {
    let db = open(config).await?;
    let organisation_id = match organisation {
        Some(slug) => Some(organisation_by_slug(&db, slug).await?.id),
        None => None,
    };
    let err = |e: crate::error::AppError| anyhow::anyhow!("{e}");
    crate::mail::queue::check_address("email", email).map_err(err)?;
    let txn = store::unit::begin(&db).await?;
    let new = accounts::NewAccount {
        email,
        display_name: name,
        organisation_id,
        role,
        locale,
        temporary_days: config.mail.temporary_password_days,
    };
    let (user, temporary) = accounts::create_account(&txn, new)
        .await
        .map_err(err)
        .context("cannot create the account")?;
    let invitation = crate::mail::queue::invitation(&txn, &user, &temporary, false)
        .await
        .map_err(err)?;
    store::audit::write(
        &txn,
        store::audit::Entry {
            actor: store::audit::Actor::System("command line"),
            subject: store::audit::Subject::User,
            entity_id: Some(user.id),
            operation: "create",
            changed_fields: vec![
                "email".into(),
                "displayName".into(),
                "organisationId".into(),
                "role".into(),
                "locale".into(),
            ],
        },
    )
    .await
    .map_err(err)?;
    txn.commit().await?;
    if json {
        println!(
            "{}",
            serde_json::json!({
                "id": user.id,
                "email": user.email,
                "temporaryPassword": temporary,
                "temporaryPasswordExpiresAt": user.temporary_password_expires_at,
                "invitationId": invitation.id,
            })
        );
    } else {
        println!("created {} ({}, {})", user.email, role.as_str(), user.id);
        println!("temporary password (shown once, to change at first sign-in): {temporary}");
        if let Some(at) = user.temporary_password_expires_at {
            println!("it expires on {}", at.format("%Y-%m-%d %H:%M UTC"));
        }
        println!(
            "invitation queued for {} ({}); the running hub mails it (see `passerelle mail status`)",
            user.email, invitation.id
        );
    }
    Ok(())
}

/// A new feed as the command line gives it.
pub struct NewFeed {
    pub organisation: String,
    pub name: String,
    pub url: String,
    pub format: entity::FeedFormat,
    pub interval: i32,
    pub visibility: entity::Visibility,
    pub timezone: String,
    pub use_publication_date: bool,
    pub enabled: bool,
}

fn feed_json(feed: &entity::feed::Model, settings: &crate::config::FeedSettings) -> serde_json::Value {
    serde_json::json!({
        "id": feed.id,
        "organisationId": feed.organisation_id,
        "name": feed.name,
        "url": feed.url,
        "format": feed.format.as_str(),
        "intervalMinutes": feed.interval_minutes,
        "enabled": feed.enabled,
        "status": format!("{:?}", crate::jobs::pull_feeds::status(feed, settings)).to_uppercase(),
        "lastFetchedAt": feed.last_fetched_at,
        "lastSuccessAt": feed.last_success_at,
        "lastError": feed.last_error,
        "consecutiveFailures": feed.consecutive_failures,
        "nextFetchAt": feed.next_fetch_at,
    })
}

fn run_json(run: &entity::feed_run::Model) -> serde_json::Value {
    serde_json::json!({
        "id": run.id,
        "feedId": run.feed_id,
        "outcome": run.outcome.as_str(),
        "httpStatus": run.http_status,
        "itemsSeen": run.items_seen,
        "created": run.created,
        "updated": run.updated,
        "removed": run.removed,
        "error": run.error,
        "warnings": run.warnings.0,
        "startedAt": run.started_at,
        "finishedAt": run.finished_at,
    })
}

/// `passerelle feeds add`.
pub async fn add_feed(config: &Config, new: NewFeed, json: bool) -> anyhow::Result<()> {
    use crate::domain::feed::{FeedDraft, FeedFields, MAX_INTERVAL, MIN_INTERVAL};
    let db = open(config).await?;
    let org = organisation_by_slug(&db, &new.organisation).await?;
    let err = |e: crate::error::AppError| anyhow::anyhow!("{e}");
    let draft = FeedDraft {
        organisation_id: org.id,
        name: new.name,
        url: new.url,
        format: new.format,
        interval_minutes: Some(new.interval),
        enabled: new.enabled,
        default_visibility: new.visibility,
        default_audiences: Vec::new(),
        timezone: Some(new.timezone),
        use_publication_date: new.use_publication_date,
        csv_columns: Vec::new(),
    };
    let fields = FeedFields::parse(draft, &config.feeds.allow_hosts).map_err(|invalid| match invalid.into_first() {
        // The rule's field is the flag's value here.
        crate::error::AppError::BadUserInput { field, .. } if field == "intervalMinutes" => {
            anyhow::anyhow!("--interval must be between {MIN_INTERVAL} and {MAX_INTERVAL} minutes")
        }
        other => err(other),
    })?;
    let txn = store::unit::begin(&db).await.map_err(err)?;
    let feed = store::record::create::<entity::feed::Entity>(&txn, fields)
        .await
        .map_err(err)?;
    store::audit::write(
        &txn,
        store::audit::Entry {
            actor: store::audit::Actor::System("command line"),
            subject: store::audit::Subject::Feed,
            entity_id: Some(feed.id),
            operation: "create",
            changed_fields: vec!["organisationId".into(), "name".into(), "url".into(), "format".into()],
        },
    )
    .await
    .map_err(err)?;
    txn.commit().await?;
    if json {
        println!("{}", feed_json(&feed, &config.feeds));
    } else {
        println!("added feed {} ({}) for {}: {}", feed.id, feed.name, org.slug, feed.url);
    }
    Ok(())
}

/// `passerelle feeds list`.
pub async fn list_feeds(config: &Config, organisation: Option<&str>, json: bool) -> anyhow::Result<()> {
    let db = open(config).await?;
    let organisation_id = match organisation {
        Some(slug) => Some(organisation_by_slug(&db, slug).await?.id),
        None => None,
    };
    let feeds = store::feeds::all(&db, organisation_id)
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    for feed in &feeds {
        let j = feed_json(feed, &config.feeds);
        if json {
            println!("{j}");
        } else {
            println!(
                "{}  {:<8}  {:<20}  {}  next {}{}",
                feed.id,
                j["status"].as_str().unwrap_or_default(),
                feed.name,
                feed.url,
                feed.next_fetch_at.format("%Y-%m-%d %H:%M"),
                feed.last_error
                    .as_deref()
                    .map(|e| format!("  last error: {e}"))
                    .unwrap_or_default()
            );
        }
    }
    if !json && feeds.is_empty() {
        println!("no feed");
    }
    Ok(())
}

/// `passerelle feeds sync [ID]`.
pub async fn sync_feeds(config: &Config, id: Option<&str>, json: bool) -> anyhow::Result<()> {
    let db = open(config).await?;
    // On PostgreSQL the changes of this sync reach the subscribers of the running instances.
    let changes = crate::changes::Changes::publisher(&db);
    let puller = crate::jobs::pull_feeds::Puller::new(db, config.feeds.clone(), changes)?;
    let runs = match id {
        Some(raw) => {
            let id = uuid::Uuid::parse_str(raw.trim()).with_context(|| format!("{raw:?} is not a feed id"))?;
            vec![puller.sync_now(id, None).await.map_err(|e| anyhow::anyhow!("{e}"))?]
        }
        None => puller.run_once().await?,
    };
    let mut failed = false;
    for run in &runs {
        failed |= run.outcome == entity::FeedRunOutcome::Failed;
        if json {
            println!("{}", run_json(run));
        } else {
            println!(
                "feed {}: {} (HTTP {}) seen {}, created {}, updated {}, removed {}{}",
                run.feed_id,
                run.outcome.as_str(),
                run.http_status.map(|s| s.to_string()).unwrap_or_else(|| "-".into()),
                run.items_seen,
                run.created,
                run.updated,
                run.removed,
                run.error
                    .as_deref()
                    .map(|e| format!("; error: {e}"))
                    .unwrap_or_default()
            );
            for warning in run.warnings.0.iter().take(10) {
                println!("  warning: {warning}");
            }
        }
    }
    if !json && runs.is_empty() {
        println!("no feed is due");
    }
    if failed {
        bail!("at least one feed failed");
    }
    Ok(())
}

/// A spreadsheet import as the command line asks for it.
pub struct ImportRequest {
    pub kind: crate::import::Kind,
    pub file: std::path::PathBuf,
    pub organisation: String,
    pub dry_run: bool,
    pub skip_invalid: bool,
    pub visibility: Option<entity::Visibility>,
    pub timezone: String,
}

/// `passerelle import`: prints the report; exits non-zero when rows were refused.
pub async fn import(config: &Config, request: ImportRequest, json: bool) -> anyhow::Result<()> {
    let body = std::fs::read(&request.file).with_context(|| format!("cannot read {}", request.file.display()))?;
    let db = open(config).await?;
    let org = organisation_by_slug(&db, &request.organisation).await?;
    let timezone: chrono_tz::Tz = request
        .timezone
        .parse()
        .map_err(|_| anyhow::anyhow!("--timezone must be an IANA zone such as Europe/Paris"))?;
    let options = crate::import::Options {
        organisation_id: org.id,
        organisation_name: org.name.clone(),
        dry_run: request.dry_run,
        skip_invalid: request.skip_invalid,
        timezone,
        visibility: request.visibility,
        actor: store::audit::Actor::System("command line"),
    };
    let (bar, progress) = progress_bar("{bar:40} {pos}/{len} rows written ({per_sec})");
    // On PostgreSQL, subscribers of the running instances hear of the imported events.
    let changes = crate::changes::Changes::publisher(&db);
    let report = crate::import::run(&db, request.kind, &body, &options, &progress, &changes)
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    bar.finish_and_clear();
    if json {
        let notice = |n: &crate::import::Notice| serde_json::json!({ "line": n.line, "column": n.column, "message": n.detail() });
        println!(
            "{}",
            serde_json::json!({
                "kind": request.kind.name(),
                "dryRun": request.dry_run,
                "rows": report.rows,
                "valid": report.valid,
                "created": report.created,
                "updated": report.updated,
                "unchanged": report.unchanged,
                "skipped": report.skipped,
                "refused": report.refused,
                "written": report.written,
                "errors": report.errors.iter().map(notice).collect::<Vec<_>>(),
                "warnings": report.warnings.iter().map(notice).collect::<Vec<_>>(),
                "lines": report.lines.iter().map(|r| serde_json::json!({
                    "line": r.line,
                    "outcome": outcome_name(r.outcome),
                    "id": r.id,
                    "label": r.label,
                    "changes": r.changes.iter().map(|c| serde_json::json!({ "field": c.field, "before": c.before, "after": c.after })).collect::<Vec<_>>(),
                    "reason": r.reason,
                })).collect::<Vec<_>>(),
            })
        );
    } else {
        print_import(&report, request.dry_run);
    }
    // Refused rows make the command fail, a dry run and --skip-invalid included, so that a
    // script sees that some rows did not go in.
    if report.refused > 0 {
        bail!("{} lignes refusées / {} rows refused", report.refused, report.refused);
    }
    Ok(())
}

fn outcome_name(outcome: crate::import::Outcome) -> &'static str {
    use crate::import::Outcome;
    match outcome {
        Outcome::Created => "CREATED",
        Outcome::Updated => "UPDATED",
        Outcome::Unchanged => "UNCHANGED",
        Outcome::Skipped => "SKIPPED",
        Outcome::Refused => "REFUSED",
    }
}

/// The report of an import for people: each row's outcome and changes, then the counts.
fn print_import(report: &crate::import::Report, dry_run: bool) {
    use crate::import::Outcome;
    let shown = |v: &Option<String>| match v {
        Some(v) => format!("{v:?}"),
        None => "(vide / empty)".to_string(),
    };
    for row in &report.lines {
        let what = match row.outcome {
            Outcome::Created if dry_run => "serait créée / would be created",
            Outcome::Created => "créée / created",
            Outcome::Updated if dry_run => "serait modifiée / would be updated",
            Outcome::Updated => "modifiée / updated",
            Outcome::Unchanged => "inchangée / unchanged",
            Outcome::Skipped => "ignorée / skipped",
            Outcome::Refused => "refusée / refused",
        };
        let reason = row.reason.as_deref().map(|r| format!(": {r}")).unwrap_or_default();
        println!("line {}: {what} « {} »{reason}", row.line, row.label);
        if row.outcome == Outcome::Updated {
            for c in &row.changes {
                println!("    {}: {} → {}", c.field, shown(&c.before), shown(&c.after));
            }
        }
        for e in report.errors.iter().filter(|e| e.line == row.line) {
            println!("    error: {}", e.detail());
        }
        for w in report.warnings.iter().filter(|w| w.line == row.line) {
            println!("    warning: {}", w.detail());
        }
    }
    let rows: std::collections::HashSet<u64> = report.lines.iter().map(|r| r.line).collect();
    for w in report.warnings.iter().filter(|w| !rows.contains(&w.line)) {
        println!("line {}: warning: {}", w.line, w.detail());
    }
    let r = report;
    let state = if r.written {
        "enregistré / written"
    } else if dry_run {
        "essai à blanc, rien n'est enregistré ; un vrai import ferait ceci / dry run, nothing written; a real run would do this"
    } else {
        "rien n'est enregistré (corrigez les lignes, ou --skip-invalid) / nothing written (fix the rows, or use --skip-invalid)"
    };
    println!("{state}");
    println!(
        "{} lignes, {} valides, {} refusées ; {} créées, {} modifiées, {} inchangées, {} ignorées",
        r.rows, r.valid, r.refused, r.created, r.updated, r.unchanged, r.skipped
    );
    println!(
        "{} rows, {} valid, {} with errors; {} created, {} updated, {} unchanged, {} skipped",
        r.rows, r.valid, r.refused, r.created, r.updated, r.unchanged, r.skipped
    );
}

/// The indexer of a command: the configured engine, prepared.
async fn indexer(config: &Config) -> anyhow::Result<crate::jobs::index_search::Indexer> {
    let db = open(config).await?;
    let backend = crate::search::open(&config.search, &config.data_dir)?;
    let indexer = crate::jobs::index_search::Indexer::new(db, backend, config.search.clone());
    indexer.prepare().await.context("the search engine is not ready")?;
    Ok(indexer)
}

/// Rebuilds the search index from the database, with a progress bar.
pub async fn search_reindex(config: &Config) -> anyhow::Result<()> {
    let indexer = indexer(config).await?;
    let (bar, progress) = progress_bar("{bar:40} {pos}/{len} records indexed ({per_sec}, {eta} left)");
    let started = std::time::Instant::now();
    let written = indexer.reindex(&progress).await?;
    bar.finish_and_clear();
    let secs = started.elapsed().as_secs_f64();
    println!(
        "{written} documents indexed on {} in {secs:.1} s ({:.0} documents/s)",
        indexer.backend().name(),
        written as f64 / secs.max(0.001)
    );
    Ok(())
}

/// Compares the search index with the database; fails when they differ (unless repaired).
pub async fn search_check(config: &Config, repair: bool, json: bool) -> anyhow::Result<()> {
    let indexer = indexer(config).await?;
    let report = indexer.check(repair).await?;
    if json {
        println!(
            "{}",
            serde_json::json!({
                "engine": indexer.backend().name(),
                "expected": report.expected,
                "indexed": report.indexed,
                "missing": report.missing,
                "stale": report.stale,
                "orphans": report.orphans,
                "pending": report.pending,
                "repaired": report.repaired,
            })
        );
    } else {
        println!(
            "{}: {} documents expected, {} in the index, {} waiting in the outbox",
            indexer.backend().name(),
            report.expected,
            report.indexed,
            report.pending
        );
        for (label, ids) in [
            ("missing", &report.missing),
            ("stale", &report.stale),
            ("orphan", &report.orphans),
        ] {
            println!("{} {label}", ids.len());
            for id in ids.iter().take(20) {
                println!("  {id}");
            }
            if ids.len() > 20 {
                println!("  … and {} more", ids.len() - 20);
            }
        }
        if report.repaired {
            println!("repaired");
        }
    }
    if !report.is_clean() && !report.repaired {
        bail!("the search index differs from the database (run `passerelle search check --repair`)");
    }
    Ok(())
}

/// Prints the engine and the state of the outbox.
pub async fn search_status(config: &Config, json: bool) -> anyhow::Result<()> {
    let db = open(config).await?;
    let backlog = store::outbox::backlog(&db).await?;
    let engine = if config.search.meili_url.is_some() {
        "meilisearch"
    } else {
        "embedded"
    };
    if json {
        println!(
            "{}",
            serde_json::json!({
                "engine": engine,
                "pending": backlog.pending,
                "oldest": backlog.oldest,
                "failing": backlog.failing,
                "lastError": backlog.last_error,
            })
        );
    } else {
        println!("engine: {engine}");
        println!("outbox: {} rows waiting, {} failing", backlog.pending, backlog.failing);
        if let Some(oldest) = backlog.oldest {
            println!("oldest: {oldest}");
        }
        if let Some(error) = backlog.last_error {
            println!("last error: {error}");
        }
    }
    Ok(())
}

/// `passerelle backup FILE`: prints what it wrote, in French then English.
pub async fn backup(config: &Config, file: &std::path::Path, force: bool) -> anyhow::Result<()> {
    announce_database(config);
    let written = crate::backup::backup(config, file, force).await?;
    let path = written.path.display();
    println!("Sauvegarde écrite : {path} ({} octets)", written.bytes);
    println!("Backup written: {path} ({} bytes)", written.bytes);
    Ok(())
}

/// `passerelle restore FILE`: prints what it replaced, what becomes of the search index and
/// of pending migrations, in French then English.
pub async fn restore(config: &Config, file: &std::path::Path, yes: bool) -> anyhow::Result<()> {
    use crate::backup::SearchRebuild;
    announce_database(config);
    let restored = crate::backup::restore(config, file, yes).await?;
    let (source, target, bytes) = (file.display(), &restored.target, restored.bytes);
    println!("Base restaurée : {target} depuis {source} ({bytes} octets).");
    println!("Database restored: {target} from {source} ({bytes} bytes).");
    if let Some(previous) = &restored.previous {
        let previous = previous.display();
        println!("La base remplacée est gardée dans {previous} (jusqu'à la prochaine restauration).");
        println!("The replaced database is kept as {previous} (until the next restore).");
    }
    if restored.released_leases > 0 {
        let n = restored.released_leases;
        println!("{n} verrous de travail en cours pris dans la sauvegarde ont été libérés.");
        println!("{n} leases of work in flight caught in the backup were released.");
    }
    match &restored.search {
        SearchRebuild::Removed(dir) | SearchRebuild::Absent(dir) => {
            let dir = dir.display();
            let done = matches!(restored.search, SearchRebuild::Removed(_));
            if done {
                println!(
                    "Index de recherche : {dir} supprimé ; le prochain démarrage le recrée vide et y indexe chaque enregistrement."
                );
                println!("Search index: {dir} removed; the next start creates it empty and indexes every record.");
            } else {
                println!(
                    "Index de recherche : aucun à {dir} ; le prochain démarrage le crée et y indexe chaque enregistrement."
                );
                println!("Search index: none at {dir}; the next start creates it and indexes every record.");
            }
            if config.database_kind() == DatabaseKind::Postgres {
                println!(
                    "Les autres instances sur cette base : supprimez leur index, ou lancez `passerelle search reindex` sur chacune."
                );
                println!(
                    "Other instances on this database: remove their index, or run `passerelle search reindex` on each."
                );
            }
        }
        SearchRebuild::Meilisearch => {
            println!("Index de recherche (Meilisearch) : lancez `passerelle search reindex` une fois le hub démarré.");
            println!("Search index (Meilisearch): run `passerelle search reindex` once the hub has started.");
        }
    }
    if restored.pending_migrations.is_empty() {
        println!("Migrations : la sauvegarde est à jour.");
        println!("Migrations: the backup is up to date.");
    } else {
        let (n, names) = (
            restored.pending_migrations.len(),
            restored.pending_migrations.join(", "),
        );
        println!("Migrations : {n} en attente ({names}), appliquées au prochain démarrage (ou `passerelle migrate`).");
        println!("Migrations: {n} pending ({names}), applied at the next start (or `passerelle migrate`).");
    }
    Ok(())
}

/// `passerelle mail status`: where mail goes, the outbox (waiting, failing, refused, the last
/// error) and the messages in trouble, in French then English.
pub async fn mail_status(config: &Config, json: bool) -> anyhow::Result<()> {
    let db = open(config).await?;
    let summary = store::mail::summary(&db).await?;
    let troubles = store::mail::troubles(&db, 20).await?;
    let delivery = match &config.mail.smtp_url {
        Some(url) => format!("SMTP {}", url.redacted()),
        None => format!("files / fichiers .eml in {}", config.data_dir.join("mail").display()),
    };
    if json {
        println!(
            "{}",
            serde_json::json!({
                "delivery": delivery,
                "waiting": summary.waiting,
                "failing": summary.failing,
                "refused": summary.refused,
                "sent": summary.sent,
                "oldestWaitingAt": summary.oldest_waiting,
                "lastError": summary.last_error,
                "lastErrorAt": summary.last_error_at,
                "troubles": troubles.iter().map(|m| serde_json::json!({
                    "id": m.id,
                    "kind": m.kind.as_str(),
                    "recipient": m.recipient,
                    "status": m.status.as_str(),
                    "attempts": m.attempts,
                    "lastError": m.last_error,
                    "lastAttemptAt": m.last_attempt_at,
                    "nextAttemptAt": (m.status == entity::MailStatus::Pending).then_some(m.not_before),
                })).collect::<Vec<_>>(),
            })
        );
        return Ok(());
    }
    println!("envoi / delivery: {delivery}");
    println!(
        "en attente / waiting: {}, dont en échec / of which failing: {}, refusés / refused: {}, envoyés / sent: {}",
        summary.waiting, summary.failing, summary.refused, summary.sent
    );
    if let Some(oldest) = summary.oldest_waiting {
        println!("plus ancien en attente / oldest waiting: {oldest}");
    }
    if let Some(error) = &summary.last_error {
        let at = summary.last_error_at.map(|at| format!(" ({at})")).unwrap_or_default();
        println!("dernière erreur / last error{at}: {error}");
    }
    for m in &troubles {
        let next = if m.status == entity::MailStatus::Pending {
            format!(", next attempt {}", m.not_before.format("%Y-%m-%d %H:%M:%S UTC"))
        } else {
            String::new()
        };
        println!(
            "  {}  {:<16} {:<9} {}  {} attempts{next}: {}",
            m.id,
            m.kind.as_str(),
            m.status.as_str(),
            m.recipient,
            m.attempts,
            m.last_error.as_deref().unwrap_or("")
        );
    }
    Ok(())
}
