//! Pulls partner feeds: claims due feeds with a lease in the database, fetches and parses
//! each, and applies its events in one transaction. A failure is recorded on the run and
//! the feed, backs the feed off, and changes no event.

use std::collections::HashSet;
use std::time::Duration;

use anyhow::Context;
use chrono::{DateTime, Utc};
use entity::feed::Model as Feed;
use entity::feed_run::Model as FeedRun;
use entity::{EventStatus, FeedFormat, FeedRunOutcome, Tags};
use futures_util::StreamExt;
use sea_orm::DatabaseConnection;
use uuid::Uuid;

use crate::changes::{Change, Changes, EventChangeKind};
use crate::config::FeedSettings;
use crate::domain::event::{EventDraft, EventFields, LocationDraft};
use crate::domain::site::site_of;
use crate::domain::validate::cut;
use crate::error::{AppError, AppResult};
use crate::feeds::fetch::{Fetched, Fetcher, Limits, Validators};
use crate::feeds::{self, FeedEvent, Format, ParseOptions};
use crate::store::feeds::{self as store_feeds, SyncResult};
use crate::store::ingest::{self, Incoming};

/// Backoff never waits longer than this between two attempts…
const MAX_BACKOFF: Duration = Duration::from_secs(24 * 3600);
/// …except when the server asks for longer with `Retry-After`, up to this.
const MAX_RETRY_AFTER: Duration = Duration::from_secs(7 * 24 * 3600);
/// Warnings kept on a run.
const WARNINGS_KEPT: usize = 50;

/// The health of a feed as the API shows it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FeedStatus {
    /// Enabled and not pulled yet.
    Pending,
    Ok,
    Failing,
    Disabled,
}

pub fn status(feed: &Feed, settings: &FeedSettings) -> FeedStatus {
    if !feed.enabled {
        FeedStatus::Disabled
    } else if feed.last_fetched_at.is_none() {
        FeedStatus::Pending
    } else if feed.consecutive_failures >= settings.failing_after {
        FeedStatus::Failing
    } else {
        FeedStatus::Ok
    }
}

/// Pulls feeds for one instance.
#[derive(Clone)]
pub struct Puller {
    db: DatabaseConnection,
    fetcher: Fetcher,
    settings: FeedSettings,
    /// Names this instance in leases.
    owner: String,
    changes: Changes,
    /// Every sync this instance runs, scheduled or asked for: shutdown waits for them before
    /// it lets the leases go.
    syncs: tokio_util::task::TaskTracker,
    /// Fired at shutdown: the syncs still running stop where they are.
    stopping: tokio_util::sync::CancellationToken,
    /// Wakes this instance's scheduler before its next pass (a feed was registered, or made
    /// due by a change): such a feed is pulled at once rather than at the next poll.
    wake: std::sync::Arc<tokio::sync::Notify>,
}

impl Puller {
    pub fn new(db: DatabaseConnection, settings: FeedSettings, changes: Changes) -> anyhow::Result<Self> {
        let limits = Limits {
            connect_timeout: settings.connect_timeout,
            total_timeout: settings.timeout,
            max_bytes: settings.max_bytes,
            ..Limits::default()
        };
        let fetcher =
            Fetcher::new(limits, settings.allow_hosts.clone()).context("cannot build the feed HTTP client")?;
        Ok(Puller {
            db,
            fetcher,
            settings,
            owner: format!("instance-{}", &Uuid::new_v4().simple().to_string()[..16]),
            changes,
            syncs: tokio_util::task::TaskTracker::new(),
            stopping: tokio_util::sync::CancellationToken::new(),
            wake: std::sync::Arc::new(tokio::sync::Notify::new()),
        })
    }

    /// Stops the syncs this instance still runs (at shutdown, before the leases are let go)
    /// and waits for them, at most `limit`. A sync stops at its next wait: what it fetched is
    /// dropped, a transaction it had begun rolls back, and its run is closed as interrupted.
    /// Returns false when some still ran.
    pub async fn stop_syncs(&self, limit: Duration) -> bool {
        self.syncs.close();
        self.stopping.cancel();
        tokio::time::timeout(limit, self.syncs.wait()).await.is_ok()
    }

    /// Lets go of the feed leases this instance holds (at shutdown, once its syncs stopped).
    pub async fn release_leases(&self) -> AppResult<u64> {
        store_feeds::release_all_of(&self.db, &self.owner).await
    }

    pub fn settings(&self) -> &FeedSettings {
        &self.settings
    }

    /// Asks this instance's scheduler to look for due feeds now rather than at its next poll
    /// (remembered when it is busy: it looks again once its pass ends). Without a scheduler
    /// on this instance (`PASSERELLE_FEEDS_SCHEDULER=false`), the feeds are left to the other
    /// instances' next poll.
    pub fn wake(&self) {
        self.wake.notify_one();
    }

    /// Resolves when `wake` was called (at once when it was called since the last time).
    pub async fn woken(&self) {
        self.wake.notified().await;
    }

    /// How long a claim holds: every page may take the whole timeout, plus the write.
    fn lease(&self) -> chrono::Duration {
        let fetches = self.settings.timeout * self.settings.max_pages as u32;
        chrono::Duration::from_std(fetches + Duration::from_secs(120)).unwrap_or(chrono::Duration::hours(1))
    }

    /// A lease token of its own for each claim: a sync whose lease expired and was taken over,
    /// even by this instance, can no longer write or release.
    fn claim_token(&self) -> String {
        // Kept short: the lease column holds 64 characters.
        format!("{}/{}", self.owner, &Uuid::new_v4().simple().to_string()[..16])
    }

    /// Pulls every feed due now that no other instance holds, `concurrency` at a time, and
    /// returns their runs. Tests call this instead of waiting for the scheduler.
    pub async fn run_once(&self) -> anyhow::Result<Vec<FeedRun>> {
        let mut runs = Vec::new();
        loop {
            let now = crate::store::now();
            let claimed = store_feeds::claim_due(
                &self.db,
                &self.claim_token(),
                now,
                now + self.lease(),
                self.settings.concurrency as u64,
            )
            .await
            .context("cannot claim due feeds")?;
            if claimed.is_empty() {
                return Ok(runs);
            }
            let batch: Vec<_> = futures_util::stream::iter(claimed)
                .map(|feed| self.sync_isolated(feed))
                .buffer_unordered(self.settings.concurrency)
                .collect()
                .await;
            runs.extend(batch.into_iter().flatten());
        }
    }

    /// Pulls feed `id` now, due or not. `CONFLICT` when a sync of it is already running.
    /// With `wait`, a sync still running after it is returned as it stands (outcome
    /// `RUNNING`) and goes on: a request answers before its own timeout ends it.
    pub async fn sync_now(&self, id: Uuid, wait: Option<Duration>) -> AppResult<FeedRun> {
        let now = crate::store::now();
        let Some(feed) = store_feeds::claim_one(&self.db, id, &self.claim_token(), now, now + self.lease()).await?
        else {
            return match store_feeds::get(&self.db, id).await? {
                Some(_) => Err(AppError::Conflict("a sync of this feed is already running".into())),
                None => Err(AppError::NotFound("feed")),
            };
        };
        // When the run cannot even be recorded, the lease is left to expire, as after a crash.
        let started = store_feeds::start_run(&self.db, feed.id, now).await?;
        let task = self.spawn_sync(feed, started.clone());
        let finished = match wait {
            Some(wait) => match tokio::time::timeout(wait, task).await {
                Ok(joined) => joined,
                Err(_) => return Ok(started),
            },
            None => task.await,
        };
        finished.ok_or_else(|| AppError::internal(anyhow::anyhow!("the feed sync did not finish")))
    }

    /// Runs one sync in its own task, so that even a panic stays with that feed (its lease
    /// then expires and the feed is retried).
    async fn sync_isolated(&self, feed: Feed) -> Option<FeedRun> {
        let run = match store_feeds::start_run(&self.db, feed.id, crate::store::now()).await {
            Ok(run) => run,
            Err(e) => {
                tracing::error!(feed = %feed.id, error = %e, "feed sync could not be started");
                return None;
            }
        };
        self.spawn_sync(feed, run).await
    }

    /// Spawns the sync of a claimed feed whose run is started; the task is tracked, so that
    /// shutdown waits for it, and it goes on when the caller stops waiting.
    fn spawn_sync(&self, feed: Feed, run: FeedRun) -> impl Future<Output = Option<FeedRun>> + use<> {
        let this = self.clone();
        let id = feed.id;
        let task = self.syncs.spawn(async move { this.sync(feed, run).await });
        async move {
            match task.await {
                Ok(Ok(run)) => Some(run),
                Ok(Err(e)) => {
                    tracing::error!(feed = %id, error = format!("{e:#}"), "feed sync could not be recorded");
                    None
                }
                Err(e) => {
                    tracing::error!(feed = %id, error = %e, "feed sync panicked");
                    None
                }
            }
        }
    }

    async fn sync(&self, feed: Feed, mut run: FeedRun) -> anyhow::Result<FeedRun> {
        let timer = std::time::Instant::now();
        let started = run.started_at;
        let attempt = tokio::select! {
            // A pull that has just ended is kept even when the shutdown came meanwhile.
            biased;
            attempt = self.pull(&feed, started) => attempt,
            () = self.stopping.cancelled() => {
                // Stopped at a wait: nothing was written (a transaction begun rolls back).
                run.outcome = FeedRunOutcome::Failed;
                run.finished_at = Some(crate::store::now());
                run.error = Some(store_feeds::INTERRUPTED.into());
                return Ok(store_feeds::finish_run(&self.db, run).await?);
            }
        };
        let finished = crate::store::now();
        run.finished_at = Some(finished);
        let result = match attempt {
            Ok(pulled) => {
                run.http_status = pulled.http_status.map(i32::from);
                run.items_seen = clamp(pulled.items_seen);
                run.warnings = Tags(pulled.warnings);
                match pulled.applied {
                    Some(applied) => {
                        run.outcome = FeedRunOutcome::Success;
                        run.created = clamp(applied.created.len());
                        run.updated = clamp(applied.updated.len() + applied.cancelled.len());
                        run.removed = clamp(applied.removed.len());
                    }
                    None => run.outcome = FeedRunOutcome::NotModified,
                }
                SyncResult {
                    fetched_at: finished,
                    success: true,
                    error: None,
                    validators: pulled.validators.map(|v| (v.etag, v.last_modified)),
                    next_fetch_at: finished + jittered(interval(&feed)),
                }
            }
            Err(failure) => {
                run.outcome = FeedRunOutcome::Failed;
                run.http_status = failure.http_status.map(i32::from);
                run.error = Some(failure.message.clone());
                run.warnings = Tags(failure.warnings);
                // The site only: the URL may be a secret link. The cause is the libraries' own
                // account, kept out of the run, which members read.
                tracing::warn!(
                    feed = %feed.id,
                    site = %site_of(&feed.url),
                    error = %failure.message,
                    cause = failure.cause.as_deref(),
                    "feed sync failed"
                );
                SyncResult {
                    fetched_at: finished,
                    success: false,
                    error: Some(failure.message),
                    validators: None,
                    next_fetch_at: finished + backoff(&feed, failure.retry_after),
                }
            }
        };
        // The run and the feed's state in one transaction: a reader never sees a finished run
        // beside a feed that still says it was never pulled.
        let txn = crate::store::unit::begin(&self.db).await?;
        let run = store_feeds::finish_run(&txn, run).await?;
        let held = store_feeds::release(&txn, feed.id, lease_of(&feed), &feed.url, result).await?;
        txn.commit().await?;
        crate::metrics::feed_run(run.outcome.as_str(), timer.elapsed());
        if !held {
            tracing::warn!(feed = %feed.id, "the lease on the feed expired during its sync");
        }
        let finished = Change::FeedRunFinished {
            feed_id: feed.id,
            run_id: run.id,
        };
        if let Err(e) = self.changes.publish(&self.db, vec![finished]).await {
            // The run is recorded; only its live announcement is lost.
            tracing::warn!(feed = %feed.id, error = %e, "the end of the feed sync could not be announced");
        }
        Ok(run)
    }

    /// Fetches every page, parses, and applies the events. Nothing is written unless every
    /// page was fetched and read.
    async fn pull(&self, feed: &Feed, now: DateTime<Utc>) -> Result<Pulled, Failure> {
        let options = self.options(feed, now);
        let mut url = feed.url.clone();
        let mut validators = Validators {
            etag: feed.etag.clone(),
            last_modified: feed.last_modified.clone(),
        };
        let mut first_validators = None;
        let mut events = Vec::new();
        let mut warnings = Vec::new();
        let mut http_status = None;
        let mut visited = HashSet::new();
        // Set when pages were left unread: what they hold is not gone upstream.
        let mut partial = false;
        for page in 0..self.settings.max_pages {
            visited.insert(url.clone());
            let fetched = self.fetcher.fetch(&url, &validators).await.map_err(|e| Failure {
                http_status: e.status,
                retry_after: e.retry_after,
                message: e.message,
                cause: e.cause,
                warnings: warnings.clone(),
            })?;
            let (status, content_type, body, page_validators, final_url) = match fetched {
                Fetched::NotModified { status } if page == 0 => {
                    return Ok(Pulled {
                        http_status: Some(status),
                        items_seen: 0,
                        warnings,
                        applied: None,
                        validators: None,
                    });
                }
                Fetched::NotModified { status } => {
                    return Err(Failure::new(
                        Some(status),
                        format!(
                            "page {} of {} answered 304 to an unconditional request",
                            page + 1,
                            site_of(&url)
                        ),
                    ));
                }
                Fetched::Body {
                    status,
                    content_type,
                    body,
                    validators,
                    final_url,
                } => (status, content_type, body, validators, final_url),
            };
            http_status = Some(status);
            if page == 0 {
                first_validators = Some(page_validators);
            }
            let format = format_of(feed.format);
            let page_options = options.clone();
            let parsed = tokio::task::spawn_blocking(move || {
                feeds::parse(format, content_type.as_deref(), &body, &page_options)
            })
            .await
            .map_err(|e| Failure::new(Some(status), format!("the parser crashed: {e}")))?
            .map_err(|e| Failure {
                http_status: Some(status),
                retry_after: None,
                message: format!("the feed could not be read: {e:#}"),
                cause: None,
                warnings: warnings.clone(),
            })?;
            warnings.extend(parsed.warnings);
            events.extend(parsed.events.into_iter().map(|e| (e, final_url.clone())));
            // Later pages are fetched unconditionally: the validators belong to the first.
            validators = Validators::default();
            match parsed.next_page {
                Some(next) if !visited.contains(&next) => url = next,
                Some(_) => {
                    partial = true;
                    warnings.push("the next page points back at a page already read: pagination stopped".into());
                    break;
                }
                None => break,
            }
            if page + 1 == self.settings.max_pages {
                partial = true;
                warnings.push(format!(
                    "more than {} pages: the rest was not read this time (PASSERELLE_FEEDS_MAX_PAGES)",
                    self.settings.max_pages
                ));
            }
        }
        let items_seen = events.len();
        if events.is_empty() && !warnings.is_empty() {
            // Items were there but none could be read: that is a broken feed, not an empty one.
            return Err(Failure {
                http_status,
                retry_after: None,
                message: format!("no event could be read: {}", warnings[0]),
                cause: None,
                warnings,
            });
        }
        let window = (options.window_start, options.window_end);
        let incoming = to_incoming(feed, events, &mut warnings);
        let applied = self
            .write(feed, incoming, now, window, partial)
            .await
            .map_err(|e| Failure::new(http_status, format!("the events could not be saved: {e}")))?;
        warnings.truncate(WARNINGS_KEPT);
        Ok(Pulled {
            http_status,
            items_seen,
            warnings,
            applied: Some(applied),
            validators: first_validators,
        })
    }

    async fn write(
        &self,
        feed: &Feed,
        incoming: Vec<Incoming>,
        now: DateTime<Utc>,
        (window_start, window_end): (DateTime<Utc>, DateTime<Utc>),
        partial: bool,
    ) -> AppResult<ingest::Applied> {
        let mut work = crate::store::unit::Work::begin(&self.db).await?;
        // Checked in the transaction: a sync whose lease was taken over writes nothing.
        if !store_feeds::still_holds(work.txn(), feed.id, lease_of(feed)).await? {
            return Err(AppError::Conflict("the lease on the feed was lost".into()));
        }
        let applied = ingest::apply(work.txn(), feed.id, incoming, now, |m| {
            // After a partial read nothing is known to be gone; and a recurrence instance that
            // left the expansion window is not gone upstream either.
            partial
                || m.source_uid.as_deref().is_some_and(|uid| uid.contains('#'))
                    && (m.starts_at < window_start || m.starts_at >= window_end)
        })
        .await?;
        let mut changes = Change::events(EventChangeKind::Created, &applied.created);
        changes.extend(Change::events(EventChangeKind::Updated, &applied.updated));
        changes.extend(Change::events(EventChangeKind::Cancelled, &applied.cancelled));
        changes.extend(Change::events(EventChangeKind::Removed, &applied.removed));
        work.announce(changes);
        work.commit(Some(&self.changes)).await?;
        Ok(applied)
    }

    fn options(&self, feed: &Feed, now: DateTime<Utc>) -> ParseOptions {
        let mut options = ParseOptions::around(now);
        options.window_start = now - chrono::Duration::days(self.settings.window_past_days);
        options.window_end = now + chrono::Duration::days(self.settings.window_future_days);
        if let Ok(tz) = feed.timezone.parse() {
            options.default_timezone = tz;
        }
        options.use_publication_date = feed.use_publication_date;
        options.csv_columns = feed.csv_columns.0.clone();
        options
    }
}

/// What a successful pull brought.
struct Pulled {
    http_status: Option<u16>,
    items_seen: usize,
    warnings: Vec<String>,
    /// `None` after a 304.
    applied: Option<ingest::Applied>,
    validators: Option<Validators>,
}

struct Failure {
    http_status: Option<u16>,
    retry_after: Option<Duration>,
    /// Stored on the run and the feed, which members read: names sites only.
    message: String,
    /// For the log only (`FetchError::cause`).
    cause: Option<String>,
    warnings: Vec<String>,
}

impl Failure {
    fn new(http_status: Option<u16>, message: String) -> Self {
        Failure {
            http_status,
            retry_after: None,
            message,
            cause: None,
            warnings: Vec::new(),
        }
    }
}

/// The lease token a claimed feed carries (set by the claim that returned it).
fn lease_of(feed: &Feed) -> &str {
    feed.lease_owner.as_deref().unwrap_or_default()
}

fn clamp(n: usize) -> i32 {
    i32::try_from(n).unwrap_or(i32::MAX)
}

pub fn format_of(format: FeedFormat) -> Format {
    match format {
        FeedFormat::Auto => Format::Auto,
        FeedFormat::Ical => Format::Ical,
        FeedFormat::Rss => Format::Rss,
        FeedFormat::Atom => Format::Atom,
        FeedFormat::JsonFeed => Format::JsonFeed,
        FeedFormat::WpEventsCalendar => Format::WpEventsCalendar,
        FeedFormat::JsonLd => Format::JsonLd,
        FeedFormat::OpenAgenda => Format::OpenAgenda,
        FeedFormat::Csv => Format::Csv,
    }
}

fn interval(feed: &Feed) -> Duration {
    Duration::from_secs(60 * u64::try_from(feed.interval_minutes.max(5)).unwrap_or(60))
}

/// `d` give or take 10 %, so instances and feeds do not all knock at the same second.
fn jittered(d: Duration) -> chrono::Duration {
    let spread = d.as_millis() as u64 / 5; // the width of ±10 %
    let offset = if spread == 0 {
        0
    } else {
        (Uuid::new_v4().as_u128() % u128::from(spread)) as u64
    };
    let millis = d.as_millis() as u64 - spread / 2 + offset;
    chrono::Duration::milliseconds(i64::try_from(millis).unwrap_or(i64::MAX))
}

/// The wait after a failure: the interval doubled for each consecutive failure (this one
/// included), at most 24 h, and at least what `Retry-After` asked for.
pub fn backoff_after(interval: Duration, failures: u32, retry_after: Option<Duration>) -> Duration {
    let doubled = interval.saturating_mul(2u32.saturating_pow(failures.min(20)));
    let backoff = doubled.min(MAX_BACKOFF);
    match retry_after {
        Some(wait) => backoff.max(wait.min(MAX_RETRY_AFTER)),
        None => backoff,
    }
}

fn backoff(feed: &Feed, retry_after: Option<Duration>) -> chrono::Duration {
    let failures = u32::try_from(feed.consecutive_failures.saturating_add(1)).unwrap_or(1);
    let wait = backoff_after(interval(feed), failures, retry_after);
    chrono::Duration::from_std(wait).unwrap_or(chrono::Duration::hours(24))
}

/// Maps parsed events to stored fields: one per uid, with what does not fit the event
/// model trimmed or dropped and said in a warning, never failing the whole feed.
fn to_incoming(feed: &Feed, events: Vec<(FeedEvent, String)>, warnings: &mut Vec<String>) -> Vec<Incoming> {
    let mut seen = HashSet::new();
    let mut out = Vec::with_capacity(events.len());
    for (e, page_url) in events {
        if e.uid.is_empty() {
            warnings.push(format!("{:?}: no identifier, skipped", e.title));
            continue;
        }
        // Cut before the duplicate check: two long uids alike in their first 500 characters
        // are one key in the database.
        let uid = cut(&e.uid, 500);
        if !seen.insert(uid.clone()) {
            warnings.push(format!("{}: appears twice, the first one is kept", e.uid));
            continue;
        }
        let draft = EventDraft {
            title: e.title,
            description: e.description,
            location: LocationDraft {
                name: e.location_name,
                address: e.address,
                postal_code: e.postal_code,
                city: e.city,
                departement: None,
                region: None,
                latitude: e.latitude,
                longitude: e.longitude,
            },
            starts_at: e.starts_at,
            ends_at: e.ends_at,
            all_day: e.all_day,
            timezone: Some(e.timezone),
            open_to_public: e.open_to_public.unwrap_or(false),
            url: e.url,
            author: e.author,
            organiser_id: Some(feed.organisation_id),
            organiser_name: e.organiser,
            audiences: feed.default_audiences.0.clone(),
            tags: e.categories,
            status: if e.cancelled {
                EventStatus::Cancelled
            } else {
                EventStatus::Scheduled
            },
            visibility: feed.default_visibility,
        };
        let taken = match EventFields::lenient(draft, &feed.timezone) {
            Ok(taken) => taken,
            Err(skipped) => {
                warnings.push(format!("{}: {skipped}", e.uid));
                continue;
            }
        };
        warnings.extend(taken.notes.iter().map(|note| format!("{}: {note}", e.uid)));
        let fields = taken.fields;
        // The event's own link, when it kept one, else the page it was read from.
        let source_url = fields.url.clone().or(Some(page_url));
        out.push(Incoming {
            uid,
            fields,
            source_url,
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_up_to_a_day_and_honours_retry_after() {
        let hour = Duration::from_secs(3600);
        assert_eq!(backoff_after(hour, 1, None), 2 * hour);
        assert_eq!(backoff_after(hour, 3, None), 8 * hour);
        assert_eq!(backoff_after(hour, 10, None), 24 * hour);
        assert_eq!(backoff_after(hour, 60, None), 24 * hour);
        assert_eq!(backoff_after(hour, 1, Some(5 * hour)), 5 * hour);
        assert_eq!(backoff_after(hour, 1, Some(30 * 24 * hour)), 7 * 24 * hour);
    }

    #[test]
    fn jitter_stays_within_ten_percent() {
        let d = Duration::from_secs(3600);
        for _ in 0..100 {
            let j = jittered(d).num_milliseconds();
            assert!((3_240_000..=3_960_000).contains(&j), "{j}");
        }
    }

    #[test]
    fn cut_respects_characters() {
        assert_eq!(cut("énergie", 3), "éne");
        assert_eq!(cut("abc", 10), "abc");
    }
}
