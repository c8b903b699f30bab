//! E-mail: the outbox for administrators (`mailOutbox`), self-service password reset
//! (`requestPasswordReset`, `completePasswordReset`), digests (`digestSubscriptions`,
//! `createDigestSubscription`, `deleteDigestSubscription`) and the language of one's e-mail
//! (`setLocale`).

use std::sync::Arc;

use crate::graphql::scalars::DateTime;
use async_graphql::{Context, Enum, ID, InputObject, Object, Result, SimpleObject};

use super::account::User;
use super::connection::{connection, page_args, root_list};
use super::enums::mirror_enum;
use super::error::{IntoGql, alone, parse_id};
use super::event::EventFilter;
use super::exec::{client_address, db, own, viewer};
use super::resource::ResourceFilter;
use super::write::{audit, in_transaction, opt_id};
use crate::error::AppError;
use crate::mail::schedule;
use crate::store::audit::Subject;
use crate::store::calendar_subscriptions::SavedEventFilter;
use crate::store::digests::{self, SavedResourceFilter};
use crate::store::{self, users};

/// What accounts and their e-mail promise, from the configuration.
#[derive(Clone, Copy, Debug)]
pub struct MailPolicy {
    /// `PASSERELLE_TEMPORARY_PASSWORD_DAYS`.
    pub temporary_password_days: u32,
    /// `PASSERELLE_DIGEST_HOUR`.
    pub digest_hour: u32,
}

mirror_enum!(
    /// The language an account's e-mail is written in.
    Locale = entity::Locale {
        /// French (the default).
        Fr,
        /// English.
        En,
    }
);

mirror_enum!(
    /// What a message is: an invitation (identifier and temporary password), a password reset
    /// link, the notice that a password changed, a digest, or the reminder (two days before)
    /// that a borrowed kit is due back.
    MailKind = entity::MailKind {
        /// A new account's (or a reset account's) identifier and temporary password.
        Invitation,
        /// A link to choose a new password, asked for by its owner (valid one hour).
        PasswordReset,
        /// The notice that a password was changed through a reset link.
        PasswordChanged,
        /// A digest of the new and changed events and resources.
        Digest,
        /// The reminder, two days before, that a borrowed kit is due back.
        KitLoanReminder,
    }
);

mirror_enum!(
    /// Where a message stands: `PENDING` (waiting, perhaps after failures), `SENT`, `FAILED`
    /// (refused for good by the SMTP server, not retried) or `CANCELLED` (never to be sent:
    /// superseded, expired, nothing new, or no account).
    MailStatus = entity::MailStatus {
        /// Waiting to be sent (perhaps after failed attempts: see `attempts`).
        Pending,
        /// Accepted by the SMTP server (or written as an `.eml` file).
        Sent,
        /// Refused for good by the SMTP server (a 5xx reply): not retried.
        Failed,
        /// Never to be sent: superseded, expired, nothing new, or no account.
        Cancelled,
    }
);

mirror_enum!(
    /// How often a digest is sent (in the morning, Paris time; weekly ones on Mondays).
    DigestFrequency = entity::DigestFrequency {
        /// Every morning.
        Daily,
        /// Every Monday morning.
        Weekly,
    }
);

/// A message of the mail outbox. What it delivers (a temporary password, a link) is never
/// shown, and is wiped once the message is sent.
#[derive(Clone)]
pub struct MailMessage(pub Arc<entity::mail_outbox::Model>);

connection!(
    MailMessageConnection,
    MailMessageEdge,
    MailMessage,
    entity::mail_outbox::Model
);

/// A message of the mail outbox (administrators only). What it delivers (a temporary
/// password, a link) is never shown, and is wiped once the message is settled.
#[Object]
impl MailMessage {
    /// The message's id (a UUID), also its `Message-ID`.
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }
    /// What it is.
    async fn kind(&self) -> MailKind {
        self.0.kind.into()
    }
    /// The address it goes to (empty for a reset asked for an address without an account).
    async fn recipient(&self) -> &str {
        &self.0.recipient
    }
    /// Its subject line, in the recipient's language.
    async fn subject(&self) -> &str {
        &self.0.subject
    }
    /// Where it stands.
    async fn status(&self) -> MailStatus {
        self.0.status.into()
    }
    /// Failed attempts so far.
    async fn attempts(&self) -> i32 {
        self.0.attempts
    }
    /// Why the last attempt failed, or why the message was cancelled.
    async fn last_error(&self) -> Option<&str> {
        self.0.last_error.as_deref()
    }
    /// When it was queued (with its cause, in the same transaction).
    async fn created_at(&self) -> DateTime {
        self.0.created_at.into()
    }
    /// When it was last tried; null before its first attempt.
    async fn last_attempt_at(&self) -> Option<DateTime> {
        self.0.last_attempt_at.map(Into::into)
    }
    /// When a waiting message is tried next (null once it is settled).
    async fn next_attempt_at(&self) -> Option<DateTime> {
        (self.0.status == entity::MailStatus::Pending)
            .then_some(self.0.not_before)
            .map(Into::into)
    }
    /// When the server accepted it; null unless `SENT`.
    async fn sent_at(&self) -> Option<DateTime> {
        self.0.sent_at.map(Into::into)
    }
    /// After this time the message is not worth sending (what it carries has expired).
    async fn expires_at(&self) -> Option<DateTime> {
        self.0.expires_at.map(Into::into)
    }
}

/// What the outbox's messages can be narrowed to; the conditions given all apply.
#[derive(InputObject, Default)]
pub struct MailMessageFilter {
    /// Messages with this status.
    pub status: Option<MailStatus>,
    /// Messages of this kind.
    pub kind: Option<MailKind>,
    /// Only waiting messages that failed at least once.
    pub failing: Option<bool>,
    /// The messages of one account.
    pub user_id: Option<ID>,
}

/// The mail outbox: what waits, what fails and why.
pub struct MailOutbox(store::mail::Summary);

/// The mail outbox (administrators only): what waits, what fails and why.
#[Object]
impl MailOutbox {
    /// Messages waiting to be sent.
    async fn waiting(&self) -> i64 {
        count(self.0.waiting)
    }
    /// Waiting messages that failed at least once (retried later, with a growing wait).
    async fn failing(&self) -> i64 {
        count(self.0.failing)
    }
    /// Messages the SMTP server refused for good (a 5xx reply): not retried.
    async fn refused(&self) -> i64 {
        count(self.0.refused)
    }
    /// Messages sent and still kept (30 days).
    async fn sent(&self) -> i64 {
        count(self.0.sent)
    }
    /// When the oldest waiting message was queued.
    async fn oldest_waiting_at(&self) -> Option<DateTime> {
        self.0.oldest_waiting.map(Into::into)
    }
    /// The error of the last failed attempt.
    async fn last_error(&self) -> Option<&str> {
        self.0.last_error.as_deref()
    }
    /// When that attempt failed; null when none has.
    async fn last_error_at(&self) -> Option<DateTime> {
        self.0.last_error_at.map(Into::into)
    }
    /// The messages, newest first (settled ones are kept 30 days).
    #[graphql(complexity = "super::connection::page_cost(first, last, child_complexity)")]
    async fn messages(
        &self,
        ctx: &Context<'_>,
        #[graphql(
            desc = "Narrows the list (the conditions given all apply); left out, every record the caller may see."
        )]
        filter: Option<MailMessageFilter>,
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
    ) -> Result<MailMessageConnection> {
        let f = filter.unwrap_or_default();
        let filter = store::mail::MailFilter {
            status: f.status.map(Into::into),
            kind: f.kind.map(Into::into),
            failing: f.failing.unwrap_or(false),
            user_id: opt_id("userId", f.user_id).gql()?,
        };
        let args = page_args(ctx, first, after, last, before);
        root_list(ctx, filter, store::mail::MailSort::CreatedAtDesc, args).await
    }
}

fn count(n: u64) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

/// A digest e-mail of what is new: the resources and events added or changed since the last
/// one that its member may see, narrowed by its filters.
#[derive(Clone)]
pub struct DigestSubscription(pub Arc<entity::digest_subscription::Model>);

/// A signed-in person's digest: an e-mail of what is new among the events and resources
/// they may see, through the filters they chose. Its owner (and administrators) see it.
#[Object]
impl DigestSubscription {
    /// The subscription's id (a UUID).
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }
    /// How often it is sent.
    async fn frequency(&self) -> DigestFrequency {
        self.0.frequency.into()
    }
    /// When it was created.
    async fn created_at(&self) -> DateTime {
        self.0.created_at.into()
    }
    /// When the next digest is due (one is sent only when there is something new).
    async fn next_due_at(&self) -> DateTime {
        self.0.next_due_at.into()
    }
    /// When the last digest was queued; null before the first (a period with nothing new
    /// sends nothing).
    async fn last_sent_at(&self) -> Option<DateTime> {
        self.0.last_sent_at.map(Into::into)
    }
}

/// What `requestPasswordReset` did (the same whether or not an account has the address).
#[derive(SimpleObject)]
pub struct RequestPasswordResetPayload {
    /// Always true: the answer is the same whether or not an account has the address.
    pub ok: bool,
    /// What to tell the person, in French then English.
    pub message: String,
}

/// What `completePasswordReset` did.
#[derive(SimpleObject)]
pub struct CompletePasswordResetPayload {
    /// Always true: the password is changed.
    pub ok: bool,
    /// The account's e-mail, to sign in with the new password.
    pub email: String,
}

/// What `createDigestSubscription` did.
#[derive(SimpleObject)]
pub struct CreateDigestSubscriptionPayload {
    /// The subscription.
    pub subscription: DigestSubscription,
}

/// What `deleteDigestSubscription` did.
#[derive(SimpleObject)]
pub struct DeleteDigestSubscriptionPayload {
    /// The subscription ended, as it was.
    pub subscription: DigestSubscription,
}

/// What `setLocale` did.
#[derive(SimpleObject)]
pub struct SetLocalePayload {
    /// The account, with its new `locale`.
    pub user: User,
}

#[derive(Default)]
pub struct MailQuery;

#[Object]
impl MailQuery {
    /// The mail outbox: messages waiting, failing and refused, the last error
    /// (administrators only; null, with a `FORBIDDEN` error at this field, for anyone else).
    async fn mail_outbox(&self, ctx: &Context<'_>) -> Result<Option<MailOutbox>> {
        alone(ctx, async {
            viewer(ctx).require_admin(crate::auth::Task::ReadMailOutbox).gql()?;
            Ok(MailOutbox(store::mail::summary(db(ctx)).await.gql()?))
        })
        .await
    }

    /// The caller's digest subscriptions, newest first (empty for API keys; null, with an
    /// `UNAUTHENTICATED` error at this field, for anonymous callers).
    async fn digest_subscriptions(&self, ctx: &Context<'_>) -> Result<Option<Vec<DigestSubscription>>> {
        let read = async |db: &sea_orm::DatabaseConnection, user| digests::of_user(db, user).await;
        alone(ctx, own(ctx, read, |s| DigestSubscription(Arc::new(s)))).await
    }
}

#[derive(Default)]
pub struct MailMutation;

#[Object]
impl MailMutation {
    /// Mails a single-use link, valid one hour, to set a new password — if an account has
    /// this address. The answer is the same, after the same work, whether or not one does.
    /// Throttled per address and per e-mail like sign-ins (`RATE_LIMITED`).
    async fn request_password_reset(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The account's e-mail address (compared without regard to case).")] email: String,
    ) -> Result<RequestPasswordResetPayload> {
        crate::auth::reset::request(db(ctx), &email, client_address(ctx))
            .await
            .gql()?;
        Ok(RequestPasswordResetPayload {
            ok: true,
            message:
                "Si un compte a cette adresse, un lien pour choisir un nouveau mot de passe vient d’y être envoyé ; \
                      il est valable une heure. / If an account has this address, a link to choose a new password was \
                      just sent to it; it works for one hour."
                    .into(),
        })
    }

    /// Sets a new password with the token of a reset link (once, within its hour; the same
    /// rules as `changePassword`). Every session of the account is signed out, and a notice
    /// is mailed.
    async fn complete_password_reset(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The secret of the reset link (its `token` parameter); valid one hour and once.")]
        token: String,
        #[graphql(desc = "The new password, under the same policy as `changePassword`'s.")] new_password: String,
    ) -> Result<CompletePasswordResetPayload> {
        let user = crate::auth::reset::complete(db(ctx), &token, &new_password)
            .await
            .gql()?;
        super::exec::changes(ctx).sessions().forget_user(user.id);
        Ok(CompletePasswordResetPayload {
            ok: true,
            email: user.email,
        })
    }

    /// Subscribes the caller to a digest of what is new among the events (`filter`, as calendar
    /// links take it) and resources (`resourceFilter`) they may see.
    async fn create_digest_subscription(
        &self,
        ctx: &Context<'_>,
        #[graphql(
            desc = "The events a digest lists, as `events` reads the filter (new or changed since the last digest); left out, every event the member may see."
        )]
        filter: Option<EventFilter>,
        #[graphql(
            desc = "The resources a digest lists (new or changed since the last digest); left out, every resource the member may see."
        )]
        resource_filter: Option<ResourceFilter>,
        #[graphql(desc = "How often: every day, or every Monday, at `PASSERELLE_DIGEST_HOUR` Paris time.")]
        frequency: DigestFrequency,
    ) -> Result<CreateDigestSubscriptionPayload> {
        let viewer = viewer(ctx);
        viewer.require_signed_in().gql()?;
        // A digest reads with its member's scope and goes to an inbox: API keys have neither.
        let user_id = viewer.require_person(crate::auth::Task::SubscribeToDigests).gql()?;
        let events: store::events::EventFilter = filter.unwrap_or_default().into();
        let resources: store::resources::ResourceFilter = resource_filter.unwrap_or_default().into();
        let frequency: entity::DigestFrequency = frequency.into();
        let now = store::now();
        let hour = super::exec::mail_policy(ctx).digest_hour;
        let subscription = in_transaction(ctx, async |txn| {
            let created = digests::create(
                txn,
                digests::NewDigest {
                    user_id,
                    frequency,
                    events: SavedEventFilter::from(&events),
                    resources: SavedResourceFilter::from(&resources),
                    covered_until: now - schedule::period(frequency),
                    next_due_at: schedule::next_digest(frequency, now, hour),
                },
            )
            .await?;
            let fields = vec!["filter".into(), "resourceFilter".into(), "frequency".into()];
            audit(
                txn,
                viewer,
                Subject::DigestSubscription,
                Some(created.id),
                "create",
                fields,
            )
            .await?;
            Ok(created)
        })
        .await
        .gql()?;
        Ok(CreateDigestSubscriptionPayload {
            subscription: DigestSubscription(Arc::new(subscription)),
        })
    }

    /// Ends one of the caller's digest subscriptions (admins: anyone's). Every digest also
    /// carries a one-click unsubscribe link that needs no sign-in.
    async fn delete_digest_subscription(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The subscription's id.")] id: ID,
    ) -> Result<DeleteDigestSubscriptionPayload> {
        let viewer = viewer(ctx);
        viewer.require_signed_in().gql()?;
        let id = parse_id("id", &id)?;
        let subscription = in_transaction(ctx, async |txn| {
            let subscription = digests::by_id(txn, id)
                .await?
                .filter(|s| s.unsubscribed_at.is_none())
                .filter(|s| viewer.is_admin() || Some(s.user_id) == viewer.user_id())
                // Another account's subscriptions behave as absent.
                .ok_or(AppError::NotFound("digest subscription"))?;
            digests::unsubscribe(txn, id).await?;
            crate::mail::digest::end_subscription(txn, id, viewer.audit_actor()).await?;
            Ok(subscription)
        })
        .await
        .gql()?;
        Ok(DeleteDigestSubscriptionPayload {
            subscription: DigestSubscription(Arc::new(subscription)),
        })
    }

    /// Sets the language of an account's e-mail: the caller's own, or (admins) anyone's.
    async fn set_locale(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The language of the account's e-mail from now on.")] locale: Locale,
        #[graphql(desc = "Whose account (administrators only); left out, the caller's own.")] user_id: Option<ID>,
    ) -> Result<SetLocalePayload> {
        let viewer = viewer(ctx);
        viewer.require_signed_in().gql()?;
        let own = viewer.require_person(crate::auth::Task::ChooseLocale).gql()?;
        let id = match user_id {
            Some(id) => parse_id("userId", &id)?,
            None => own,
        };
        if id != own {
            viewer.require_admin(crate::auth::Task::ChangeAnotherLocale).gql()?;
        }
        let user = in_transaction(ctx, async |txn| {
            let user = users::set_locale(txn, id, locale.into()).await?;
            audit(txn, viewer, Subject::User, Some(id), "update", vec!["locale".into()]).await?;
            Ok(user)
        })
        .await
        .gql()?;
        Ok(SetLocalePayload {
            user: User(Arc::new(user)),
        })
    }
}
