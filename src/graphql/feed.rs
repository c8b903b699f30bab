//! Partner feeds: the registry, their health, their run history, and "sync now".

use crate::store::audit::Subject;
use std::sync::Arc;

use crate::graphql::scalars::DateTime;
use async_graphql::{Context, Enum, ID, InputObject, MaybeUndefined, Object, Result, SimpleObject};

use super::connection::connection;
use super::connection::nested_list;
use super::connection::root_list;
use super::connection::{page_args, scoped};
use super::enums::{Audience, Visibility, audiences, audiences_out, mirror_enum};
use super::error::{IntoGql, parse_id, to_gql};
use super::exec::viewer;
use super::loaders::loaders;
use super::organisation::Organisation;
use super::write::{audit, default_owner, input_fields, opt_id, patch, update_record};
use crate::domain::feed::{self as rules, FeedChange, FeedDraft, FeedFields, FeedPatch};
use crate::error::AppError;
use crate::jobs::pull_feeds::{self, Puller};
use crate::store::feeds::{FeedRunFilter, FeedRunSort};
use crate::store::{self, record};

type Feeds = entity::feed::Entity;

mirror_enum!(
    /// The wire format a feed is read as.
    FeedFormat = entity::FeedFormat {
        /// Detected from the content type and the content at each fetch.
        Auto,
        /// iCalendar (RFC 5545), as Google, Outlook, Apple and WordPress plugins publish it.
        Ical,
        /// RSS 2.0 (items need event dates, or `usePublicationDate`).
        Rss,
        /// Atom (entries need event dates, or `usePublicationDate`).
        Atom,
        /// JSON Feed (items need event dates, or `usePublicationDate`).
        JsonFeed,
        /// WordPress "The Events Calendar" REST API (`/wp-json/tribe/events/v1/events`).
        WpEventsCalendar,
        /// schema.org `Event` JSON-LD embedded in HTML pages.
        JsonLd,
        /// OpenAgenda API v2 event lists.
        OpenAgenda,
        /// A spreadsheet exported as CSV (the workshop's French columns, or mapped ones).
        Csv,
    }
);

mirror_enum!(
    /// How a sync ended.
    FeedRunOutcome = entity::FeedRunOutcome {
        /// Still in progress.
        Running,
        /// Fetched and applied.
        Success,
        /// The server answered 304: nothing changed.
        NotModified,
        /// Nothing was changed; see `error`.
        Failed,
    }
);

mirror_enum!(
    /// The health of a feed.
    FeedStatus = pull_feeds::FeedStatus {
        /// Registered (or enabled) and not pulled yet: its first pull is on its way.
        Pending,
        /// The last pull succeeded, or too few of the last ones failed to worry
        /// (`PASSERELLE_FEEDS_FAILING_AFTER`).
        Ok,
        /// Several consecutive attempts failed; the feed is still retried, with backoff.
        Failing,
        /// Not pulled until enabled again.
        Disabled,
    }
);

mirror_enum!(
    /// Orders of a feed list (default `NAME_ASC`, in French alphabetical order). Ties are
    /// broken by id.
    FeedOrderBy = crate::store::feeds::FeedSort {
        /// By name, A to Z.
        NameAsc,
        /// Newest first.
        CreatedAtDesc,
        /// The next due first.
        NextFetchAtAsc,
    }
);

/// A partner's event feed, pulled on a schedule.
#[derive(Clone)]
pub struct Feed(pub Arc<entity::feed::Model>);

connection!(FeedConnection, FeedEdge, Feed, entity::feed::Model);

/// One sync of a feed.
#[derive(Clone)]
pub struct FeedRun(pub Arc<entity::feed_run::Model>);

connection!(FeedRunConnection, FeedRunEdge, FeedRun, entity::feed_run::Model);

/// A CSV column mapped to an event field.
#[derive(SimpleObject, InputObject, Clone)]
#[graphql(input_name = "CsvColumnInput")]
pub struct CsvColumn {
    /// The column's header in the file (compared without regard to case and accents).
    pub column: String,
    /// The event field it holds: one of `title`, `description`, `location_name`, `address`,
    /// `postal_code`, `city`, `start`, `end`, `date`, `start_time`, `end_time`, `all_day`,
    /// `timezone`, `url`, `author`, `organiser`, `open_to_public`, `uid`, `status`,
    /// `categories`, `latitude`, `longitude`.
    pub field: String,
}

fn settings<'a>(ctx: &Context<'a>) -> &'a Puller {
    super::exec::puller(ctx)
}

/// A partner's event feed, pulled on a schedule into the shared agenda: its address and how
/// to read it, what its events are given, and its health. A feed is its organisation's
/// business: its members and administrators see it, its editors and administrators manage
/// it. An organisation has one feed per address.
#[Object]
impl Feed {
    /// The feed's id (a UUID).
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }
    /// The organisation whose events it brings (they are organised by it).
    async fn organisation(&self, ctx: &Context<'_>) -> Result<Option<Organisation>> {
        Ok(loaders(ctx)
            .organisations
            .load_one(self.0.organisation_id)
            .await
            .gql()?
            .map(Organisation))
    }
    /// Its name, as its organisation calls it (one line of at most 200 characters); shown on
    /// its events' `provenance`.
    async fn name(&self) -> &str {
        &self.0.name
    }
    /// The feed's address. Private calendar links carry their secret in the address, so
    /// only the organisation's editors (and administrators) see it whole; members see the
    /// site only (`https://calendar.example.org/…`).
    async fn url(&self, ctx: &Context<'_>) -> String {
        if viewer(ctx)
            .require_editor_of(Some(self.0.organisation_id), crate::auth::Task::ManageFeeds)
            .is_ok()
        {
            self.0.url.clone()
        } else {
            crate::domain::site::site_only(&self.0.url)
        }
    }
    /// How it is read (`AUTO`: detected at each pull).
    async fn format(&self) -> FeedFormat {
        self.0.format.into()
    }
    /// Minutes between two pulls: 5 to 10,080 (a week). Failing feeds wait longer (see
    /// `nextFetchAt`).
    async fn interval_minutes(&self) -> i32 {
        self.0.interval_minutes
    }
    /// Whether it is pulled: a disabled feed keeps its events but is not read.
    async fn enabled(&self) -> bool {
        self.0.enabled
    }
    /// Visibility given to the feed's new events (an editor may change an event's own later).
    async fn default_visibility(&self) -> Visibility {
        self.0.default_visibility.into()
    }
    /// Audiences given to the feed's new events (an editor may change an event's own later).
    async fn default_audiences(&self) -> Vec<Audience> {
        audiences_out(&self.0.default_audiences)
    }
    /// Zone of the feed's times written without one.
    async fn timezone(&self) -> &str {
        &self.0.timezone
    }
    /// RSS, Atom and JSON Feed items without event dates are taken at their publication date.
    async fn use_publication_date(&self) -> bool {
        self.0.use_publication_date
    }
    /// For CSV feeds, the columns mapped to event fields beyond the ones recognised by their
    /// headers; empty otherwise.
    async fn csv_columns(&self) -> Vec<CsvColumn> {
        self.0
            .csv_columns
            .0
            .iter()
            .map(|(column, field)| CsvColumn {
                column: column.clone(),
                field: field.clone(),
            })
            .collect()
    }
    /// Its health: `PENDING` until its first pull, then `OK` or `FAILING`; `DISABLED` when
    /// not pulled.
    async fn status(&self, ctx: &Context<'_>) -> FeedStatus {
        pull_feeds::status(&self.0, settings(ctx).settings()).into()
    }
    /// When it was last fetched, successfully or not; null before its first pull.
    async fn last_fetched_at(&self) -> Option<DateTime> {
        self.0.last_fetched_at.map(Into::into)
    }
    /// When it was last fetched and applied successfully (a 304 counts); null before.
    async fn last_success_at(&self) -> Option<DateTime> {
        self.0.last_success_at.map(Into::into)
    }
    /// Why the last pull failed, in the hub's words, naming only the feed's site (never its
    /// path or query) and the setting to change when one would help; null after a success.
    async fn last_error(&self) -> Option<&str> {
        self.0.last_error.as_deref()
    }
    /// Pulls failed in a row since the last success (`FAILING` from
    /// `PASSERELLE_FEEDS_FAILING_AFTER`, 3 by default).
    async fn consecutive_failures(&self) -> i32 {
        self.0.consecutive_failures
    }
    /// When the feed is next due: now for a feed just registered, enabled or given a new
    /// address; then `intervalMinutes` after each pull (with a little jitter); failing feeds
    /// back off, the wait doubled per failure up to 24 h, at least what the server's
    /// `Retry-After` asked.
    async fn next_fetch_at(&self) -> DateTime {
        self.0.next_fetch_at.into()
    }
    /// When it was registered.
    async fn created_at(&self) -> DateTime {
        self.0.created_at.into()
    }
    /// When its settings last changed (pulls change its state, not this).
    async fn updated_at(&self) -> DateTime {
        self.0.updated_at.into()
    }
    /// Sync history, newest first (the last 100 are kept).
    #[graphql(complexity = "super::connection::page_cost(first, last, child_complexity)")]
    async fn runs(
        &self,
        ctx: &Context<'_>,
        #[graphql(
            desc = "How many records to return from the start of the list (after `after`): 0 to 100; 20 when neither `first` nor `last` is given. Not with `last`."
        )]
        first: Option<i32>,
        #[graphql(
            desc = "The cursor of a record of this list in this order (`pageInfo.endCursor`, or an edge's `cursor`): the page starts after it."
        )]
        after: Option<String>,
        #[graphql(
            desc = "How many records to return from the end of the list (before `before`): 0 to 100. Not with `first`."
        )]
        last: Option<i32>,
        #[graphql(
            desc = "The cursor of a record of this list in this order (`pageInfo.startCursor`): the page ends before it."
        )]
        before: Option<String>,
    ) -> Result<FeedRunConnection> {
        let args = page_args(ctx, first, after, last, before);
        nested_list(
            &loaders(ctx).feed_runs,
            self.0.id,
            FeedRunFilter,
            FeedRunSort::StartedAtDesc,
            args,
        )
        .await
    }
}

/// One pull of a feed: when, how it ended, and what it changed. The last 100 of each feed are
/// kept.
#[Object]
impl FeedRun {
    /// The run's id (a UUID).
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }
    /// The feed pulled.
    async fn feed_id(&self) -> ID {
        ID(self.0.feed_id.to_string())
    }
    /// When the pull started.
    async fn started_at(&self) -> DateTime {
        self.0.started_at.into()
    }
    /// When it ended; null while it runs.
    async fn finished_at(&self) -> Option<DateTime> {
        self.0.finished_at.map(Into::into)
    }
    /// How it ended (`RUNNING` while it runs).
    async fn outcome(&self) -> FeedRunOutcome {
        self.0.outcome.into()
    }
    /// The HTTP status of the last page fetched, when a server answered.
    async fn http_status(&self) -> Option<i32> {
        self.0.http_status
    }
    /// Events read from the feed (recurrences expanded).
    async fn items_seen(&self) -> i32 {
        self.0.items_seen
    }
    /// Events added to the agenda.
    async fn created(&self) -> i32 {
        self.0.created
    }
    /// Events changed (cancellations included).
    async fn updated(&self) -> i32 {
        self.0.updated
    }
    /// Events that left the feed and became `REMOVED_UPSTREAM`.
    async fn removed(&self) -> i32 {
        self.0.removed
    }
    /// Why it failed (see `Feed.lastError`); null when it did not.
    async fn error(&self) -> Option<&str> {
        self.0.error.as_deref()
    }
    /// Items skipped or read with a fallback (at most 50).
    async fn warnings(&self) -> &[String] {
        &self.0.warnings.0
    }
}

/// What a list of feeds can be narrowed to; the conditions given all apply.
#[derive(InputObject, Default)]
pub struct FeedFilter {
    /// Feeds of this organisation (its id; `BAD_USER_INPUT` when not a UUID).
    pub organisation_id: Option<ID>,
    /// Only enabled feeds (true), or only disabled ones (false).
    pub enabled: Option<bool>,
    /// Only feeds whose status is `FAILING` (true).
    pub failing: Option<bool>,
}

#[derive(Default)]
pub struct FeedQuery;

#[Object]
impl FeedQuery {
    /// A feed, for members of its organisation and administrators; null when there is none
    /// or the caller is neither.
    async fn feed(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The feed's id (a UUID; `BAD_USER_INPUT` otherwise).")] id: ID,
    ) -> Result<Option<Feed>> {
        let id = parse_id("id", &id)?;
        let scope = viewer(ctx).scope();
        match record::find::<Feeds>(super::exec::db(ctx), scope, id).await {
            Ok(m) => Ok(Some(Feed(Arc::new(m)))),
            Err(AppError::NotFound(_)) => Ok(None),
            Err(e) => Err(to_gql(e)),
        }
    }

    /// The feeds the caller may see: its organisation's (every feed for administrators; none
    /// for anonymous callers), by name by default.
    #[graphql(complexity = "super::connection::page_cost(first, last, child_complexity)")]
    async fn feeds(
        &self,
        ctx: &Context<'_>,
        #[graphql(
            desc = "Narrows the list (the conditions given all apply); left out, every record the caller may see."
        )]
        filter: Option<FeedFilter>,
        #[graphql(default_with = "FeedOrderBy::NameAsc", desc = "The order of the list.")] order_by: FeedOrderBy,
        #[graphql(
            desc = "How many records to return from the start of the list (after `after`): 0 to 100; 20 when neither `first` nor `last` is given. Not with `last`."
        )]
        first: Option<i32>,
        #[graphql(
            desc = "The cursor of a record of this list in this order (`pageInfo.endCursor`, or an edge's `cursor`): the page starts after it."
        )]
        after: Option<String>,
        #[graphql(
            desc = "How many records to return from the end of the list (before `before`): 0 to 100. Not with `first`."
        )]
        last: Option<i32>,
        #[graphql(
            desc = "The cursor of a record of this list in this order (`pageInfo.startCursor`): the page ends before it."
        )]
        before: Option<String>,
    ) -> Result<FeedConnection> {
        let failing_after = settings(ctx).settings().failing_after;
        let input = filter.unwrap_or_default();
        let filter = store::feeds::FeedFilter {
            organisation_id: opt_id("organisationId", input.organisation_id).gql()?,
            enabled: input.enabled,
            failing_after: input.failing.filter(|f| *f).map(|_| failing_after),
            ..scoped::<store::feeds::FeedFilter, store::feeds::FeedFilter>(ctx, None)
        };
        root_list(ctx, filter, order_by.into(), page_args(ctx, first, after, last, before)).await
    }
}

/// A new feed. A field that breaks its rule is refused with `BAD_USER_INPUT` and
/// `extensions.field` naming it.
#[derive(InputObject)]
pub struct CreateFeedInput {
    /// The organisation whose events it brings. Editors may leave it out (their own
    /// organisation) and may give only their own; administrators must give one.
    pub organisation_id: Option<ID>,
    /// Its name, one line of 1 to 200 characters.
    pub name: String,
    /// Its address: an absolute http or https URL that the hub may fetch. Private addresses
    /// (loopback, RFC 1918, link-local, metadata…) are refused unless the operator allows
    /// them in `PASSERELLE_FEEDS_ALLOW_HOSTS`. One feed per address and organisation: an
    /// address the organisation already has (its `#fragment` aside) is `CONFLICT`.
    pub url: String,
    /// How to read it; default `AUTO` (detected at each pull).
    #[graphql(default_with = "FeedFormat::Auto")]
    pub format: FeedFormat,
    /// Minutes between two pulls: 5 to 10,080 (a week); default 60.
    pub interval_minutes: Option<i32>,
    /// Whether it is pulled; default true.
    #[graphql(default = true)]
    pub enabled: bool,
    /// Visibility given to its new events; default `PUBLIC`.
    #[graphql(default_with = "Visibility::Public")]
    pub default_visibility: Visibility,
    /// Audiences given to its new events; default none.
    #[graphql(default)]
    pub default_audiences: Vec<Audience>,
    /// The IANA zone of times written without one; default `Europe/Paris`.
    pub timezone: Option<String>,
    /// Whether RSS, Atom and JSON Feed items without event dates are taken at their
    /// publication date (else skipped, with a warning); default false.
    #[graphql(default = false)]
    pub use_publication_date: bool,
    /// For CSV feeds, columns mapped to event fields beyond the ones recognised by their
    /// headers; default none.
    #[graphql(default)]
    pub csv_columns: Vec<CsvColumn>,
}

/// A change to a feed: only the fields given change; `null` is refused for a required field
/// and clears an optional one. Each field follows the rule of its namesake in
/// `CreateFeedInput`. A new address or format, or enabling the feed, makes it due at once.
#[derive(InputObject)]
pub struct UpdateFeedInput {
    /// Its name (not null).
    pub name: MaybeUndefined<String>,
    /// Its address (not null): checked as `CreateFeedInput.url`; its validators and failures
    /// start afresh.
    pub url: MaybeUndefined<String>,
    /// How to read it (not null).
    pub format: MaybeUndefined<FeedFormat>,
    /// Minutes between two pulls (not null).
    pub interval_minutes: MaybeUndefined<i32>,
    /// Whether it is pulled (not null).
    pub enabled: MaybeUndefined<bool>,
    /// Visibility given to its new events (not null); events already pulled keep theirs.
    pub default_visibility: MaybeUndefined<Visibility>,
    /// Audiences given to its new events (not null); events already pulled keep theirs.
    pub default_audiences: MaybeUndefined<Vec<Audience>>,
    /// The zone of times written without one (not null).
    pub timezone: MaybeUndefined<String>,
    /// Whether items without event dates are taken at their publication date (not null).
    pub use_publication_date: MaybeUndefined<bool>,
    /// The CSV columns mapped, replacing the old (not null; `[]` for none).
    pub csv_columns: MaybeUndefined<Vec<CsvColumn>>,
}

/// Columns as the feed rules read them: (header, field).
fn columns(values: Vec<CsvColumn>) -> Vec<(String, String)> {
    values.into_iter().map(|c| (c.column, c.field)).collect()
}

/// What `createFeed` did.
#[derive(SimpleObject)]
pub struct CreateFeedPayload {
    /// The feed as registered (`PENDING`: its first pull is on its way).
    pub feed: Feed,
}

/// What `updateFeed` did.
#[derive(SimpleObject)]
pub struct UpdateFeedPayload {
    /// The feed as stored after the change.
    pub feed: Feed,
}

/// What `deleteFeed` did.
#[derive(SimpleObject)]
pub struct DeleteFeedPayload {
    /// The id of the feed deleted.
    pub deleted_id: ID,
    /// Events deleted with the feed, or detached from it (kept as typed-in events).
    pub events_affected: i32,
}

/// What `syncFeed` did.
#[derive(SimpleObject)]
pub struct SyncFeedPayload {
    /// The run: finished, or `RUNNING` when it outlasted the wait (it goes on).
    pub run: FeedRun,
    /// The feed after the run (null if it was deleted meanwhile).
    pub feed: Option<Feed>,
}

#[derive(Default)]
pub struct FeedMutation;

#[Object]
impl FeedMutation {
    /// Registers a feed for an organisation (its editors, or an administrator), logged in the
    /// audit log. It is due at once: the scheduler of the instance that registered it wakes
    /// and pulls it within moments (when that instance runs none,
    /// `PASSERELLE_FEEDS_SCHEDULER=false`, at the next pass of one that does), then every
    /// `intervalMinutes`; `feedRunFinished` announces each pull. Its status is `PENDING`
    /// until then. Use `syncFeed` to pull it and wait for the result. `CONFLICT` when the
    /// organisation already has a feed at this address.
    async fn create_feed(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The new feed.")] input: CreateFeedInput,
    ) -> Result<CreateFeedPayload> {
        let viewer = viewer(ctx);
        let mut owner = opt_id("organisationId", input.organisation_id).gql()?;
        default_owner(viewer, &mut owner);
        if owner.is_none() {
            // Rights first: a member leaving the organisation out is refused, not corrected.
            viewer.require_editor_of(None, crate::auth::Task::ManageFeeds).gql()?;
        }
        let organisation_id =
            owner.ok_or_else(|| to_gql(AppError::bad_input("organisationId", "organisationId is required")))?;
        let draft = FeedDraft {
            organisation_id,
            name: input.name,
            url: input.url,
            format: input.format.into(),
            interval_minutes: input.interval_minutes,
            enabled: input.enabled,
            default_visibility: input.default_visibility.into(),
            default_audiences: audiences(input.default_audiences),
            timezone: input.timezone,
            use_publication_date: input.use_publication_date,
            csv_columns: columns(input.csv_columns),
        };
        let fields = FeedFields::parse(draft, &settings(ctx).settings().allow_hosts)
            .map_err(AppError::from)
            .gql()?;
        let model = super::write::create_record::<Feeds>(ctx, Subject::Feed, fields, |viewer, f| {
            viewer.require_editor_of(Some(f.organisation_id), crate::auth::Task::ManageFeeds)
        })
        .await
        .gql()?;
        // Due now (see `store::feeds`): this instance's scheduler pulls it at once.
        settings(ctx).wake();
        Ok(CreateFeedPayload {
            feed: Feed(Arc::new(model)),
        })
    }

    /// Changes a feed (its organisation's editors, administrators), logged; a new address or
    /// format, or enabling it, makes it due at once, as `createFeed` does.
    async fn update_feed(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The feed's id.")] id: ID,
        #[graphql(desc = "The fields to change.")] input: UpdateFeedInput,
    ) -> Result<UpdateFeedPayload> {
        let id = parse_id("id", &id)?;
        let allow = &settings(ctx).settings().allow_hosts;
        // A new address is refused before the feed is looked up, as it always was; the change
        // checks it again, which a checked address passes unchanged.
        let url = match input.url {
            MaybeUndefined::Value(raw) => MaybeUndefined::Value(rules::url(&raw, allow).gql()?),
            other => other,
        };
        let model = update_record::<Feeds>(
            ctx,
            Subject::Feed,
            id,
            |f| {
                let change = FeedChange::parse(
                    FeedPatch {
                        name: patch(input.name, Into::into),
                        url: patch(url, Into::into),
                        format: patch(input.format, Into::into),
                        interval_minutes: patch(input.interval_minutes, Into::into),
                        enabled: patch(input.enabled, Into::into),
                        default_visibility: patch(input.default_visibility, Into::into),
                        default_audiences: patch(input.default_audiences, audiences),
                        timezone: patch(input.timezone, Into::into),
                        use_publication_date: patch(input.use_publication_date, Into::into),
                        csv_columns: patch(input.csv_columns, columns),
                    },
                    allow,
                )?;
                change.apply(f);
                Ok(())
            },
            |viewer, before| viewer.require_editor_of(Some(before.organisation_id), crate::auth::Task::ManageFeeds),
            |viewer, after| viewer.require_editor_of(Some(after.organisation_id), crate::auth::Task::ManageFeeds),
        )
        .await
        .gql()?;
        // A new address or format, or a feed enabled again, is due now.
        settings(ctx).wake();
        Ok(UpdateFeedPayload {
            feed: Feed(Arc::new(model)),
        })
    }

    /// Deletes a feed and its run history. Its events are kept, detached from the feed,
    /// unless `deleteEvents` is true.
    async fn delete_feed(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The feed's id.")] id: ID,
        #[graphql(
            default = false,
            desc = "Whether its events are deleted too (announced as `REMOVED`); default false: they are kept, detached, as typed-in events of its organisation."
        )]
        delete_events: bool,
    ) -> Result<DeleteFeedPayload> {
        let id = parse_id("id", &id)?;
        let viewer = viewer(ctx);
        viewer.require_signed_in().gql()?;
        let fields = input_fields(ctx);
        let affected = super::write::in_transaction_announcing(ctx, async |txn| {
            let feed = record::find::<Feeds>(txn, viewer.scope(), id).await?;
            viewer.require_editor_of(Some(feed.organisation_id), crate::auth::Task::ManageFeeds)?;
            // Deleted events are announced with what decides who may hear of them.
            let announced = if delete_events {
                store::ingest::events_of_feed(txn, id)
                    .await?
                    .iter()
                    .map(|m| crate::changes::Change::EventDeleted {
                        id: m.id,
                        facts: crate::store::events::EventFacts::from(m),
                    })
                    .collect()
            } else {
                Vec::new()
            };
            let affected = store::ingest::release_feed_events(txn, id, delete_events).await?;
            record::delete::<Feeds>(txn, viewer.scope(), id, |_| Ok(())).await?;
            audit(txn, viewer, Subject::Feed, Some(id), "delete", fields).await?;
            Ok((affected, announced))
        })
        .await
        .gql()?;
        Ok(DeleteFeedPayload {
            deleted_id: ID(id.to_string()),
            events_affected: i32::try_from(affected).unwrap_or(i32::MAX),
        })
    }

    /// Pulls a feed now, whatever its schedule and even when it is disabled (its
    /// organisation's editors, administrators), waits for the pull, and returns the run.
    /// `CONFLICT` when a sync of it is already running. A sync that outlasts three quarters of the request timeout
    /// goes on after the answer: the run comes back `RUNNING`, and `feedRunFinished`
    /// announces its end (or read it again with `feed { runs }`).
    async fn sync_feed(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The feed's id.")] id: ID,
    ) -> Result<SyncFeedPayload> {
        let id = parse_id("id", &id)?;
        let viewer = viewer(ctx);
        viewer.require_signed_in().gql()?;
        let db = super::exec::db(ctx);
        let feed = record::find::<Feeds>(db, viewer.scope(), id).await.gql()?;
        viewer
            .require_editor_of(Some(feed.organisation_id), crate::auth::Task::ManageFeeds)
            .gql()?;
        let wait = super::exec::sync_wait(ctx);
        let run = settings(ctx).sync_now(id, Some(wait)).await.gql()?;
        let feed = store::feeds::get(db, id).await.gql()?;
        Ok(SyncFeedPayload {
            run: FeedRun(Arc::new(run)),
            feed: feed.map(|m| Feed(Arc::new(m))),
        })
    }
}
