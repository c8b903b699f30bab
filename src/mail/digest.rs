//! Digests: queueing each due period once, and reading what a digest lists when it is sent.
//!
//! A due subscription is claimed with a lease (as feeds are). Its period runs from where the
//! last one ended to a little before now (`settle`: a write still committing is left to the
//! next period rather than missed). When the member may see something new in it, one outbox
//! row is queued for the period — unique by subscription and period end, so that no period is
//! ever queued twice — in the transaction that moves the subscription on; when nothing is new,
//! the subscription just moves on and no e-mail is sent.
//!
//! The digest's lines are read when it is sent, through the member's scope as it is then (a
//! member who changed organisation, or a record made private meanwhile, is read as any query
//! would read it): the same visibility policy as every other read.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use entity::{DigestFrequency, MailKind};
use sea_orm::{ConnectionTrait, DatabaseConnection};
use uuid::Uuid;

use super::compose::{self, DigestContent, DigestEvent, DigestParams, DigestResource};
use super::schedule;
use crate::auth::{Actor, Viewer};
use crate::domain::Scope;
use crate::error::{AppError, AppResult};
use crate::store::calendar_subscriptions::SavedEventFilter;
use crate::store::digests::{self, SavedResourceFilter};
use crate::store::{self, mail::NewMail, unit, users};

/// Lines of each kind a digest lists; beyond them it says how many more there are.
pub const LINES: u64 = 25;

/// The name of the key unsubscribe links are signed with (`store::mail::signing_key`).
pub const UNSUBSCRIBE_KEY: &str = "unsubscribe";

/// The scope a member reads with now: the one any query of theirs would read with.
fn scope_of(user: &entity::user::Model) -> Scope {
    Viewer {
        actor: Actor::User {
            id: user.id,
            email: user.email.clone(),
            role: user.role,
            organisation_id: user.organisation_id,
            must_change_password: false,
            // No session: the digest reads on the member's behalf.
            session_id: Uuid::nil(),
        },
    }
    .scope()
}

/// The filters of a subscription, with `scope`; `None` when a stored filter cannot be read
/// (the digest then lists nothing rather than more than was asked for).
fn filters(
    subscription: &entity::digest_subscription::Model,
    scope: Scope,
) -> Option<(store::events::EventFilter, store::resources::ResourceFilter)> {
    let events = SavedEventFilter::from_stored(&subscription.event_filter)?.with_scope(scope);
    let resources = SavedResourceFilter::from_stored(&subscription.resource_filter)?.with_scope(scope);
    Some((events, resources))
}

/// What the member of `subscription` may see that changed in `[from, until)`, read now.
pub async fn content(
    db: &impl ConnectionTrait,
    subscription: &entity::digest_subscription::Model,
    user: &entity::user::Model,
    from: DateTime<Utc>,
    until: DateTime<Utc>,
    lines: u64,
) -> AppResult<DigestContent> {
    let scope = scope_of(user);
    let Some((event_filter, resource_filter)) = filters(subscription, scope) else {
        tracing::warn!(subscription = %subscription.id, "a digest subscription's filter is unreadable");
        return Ok(DigestContent::default());
    };
    let events = digests::changed_events(db, &event_filter, from, until, lines).await?;
    let resources = digests::changed_resources(db, &resource_filter, from, until, lines).await?;
    let mut ids: Vec<Uuid> = events.rows.iter().filter_map(|e| e.organiser_id).collect();
    ids.extend(resources.rows.iter().filter_map(|r| r.organisation_id));
    ids.extend(user.organisation_id);
    ids.sort();
    ids.dedup();
    let names: HashMap<Uuid, String> = digests::organisation_names(db, &ids).await?;
    Ok(DigestContent {
        display_name: user.display_name.clone(),
        organisation: user.organisation_id.and_then(|id| names.get(&id).cloned()),
        daily: subscription.frequency == DigestFrequency::Daily,
        more_events: events.total.saturating_sub(events.rows.len() as u64),
        events: events
            .rows
            .into_iter()
            .map(|e| DigestEvent {
                organiser: e
                    .organiser_id
                    .and_then(|id| names.get(&id).cloned())
                    .or(e.organiser_name.clone()),
                new: e.created_at >= from,
                cancelled: e.status == entity::EventStatus::Cancelled,
                title: e.title,
                starts_at: e.starts_at,
                timezone: e.timezone,
                all_day: e.all_day,
                city: e.city,
                url: e.url,
            })
            .collect(),
        more_resources: resources.total.saturating_sub(resources.rows.len() as u64),
        resources: resources
            .rows
            .into_iter()
            .map(|r| DigestResource {
                organisation: r.organisation_id.and_then(|id| names.get(&id).cloned()),
                new: r.created_at >= from,
                title: r.title,
                kind: r.kind,
                url: r.url,
                free_of_rights: r.free_of_rights,
            })
            .collect(),
    })
}

/// A member's account, if it may still receive digests.
async fn recipient(db: &impl ConnectionTrait, user_id: Uuid) -> AppResult<Option<entity::user::Model>> {
    Ok(users::by_id(db, user_id).await?.filter(|u| !u.disabled))
}

/// What queueing the due digests did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Queued {
    /// Periods with something new: a digest queued.
    pub queued: u64,
    /// Periods with nothing new the member may see: no e-mail.
    pub empty: u64,
}

/// Queues the digests due at `at` that `owner` can claim (see the module's documentation).
pub async fn queue_due(
    db: &DatabaseConnection,
    owner: &str,
    at: DateTime<Utc>,
    settle: std::time::Duration,
    digest_hour: u32,
) -> AppResult<Queued> {
    let lease_until = at + chrono::Duration::minutes(5);
    let mut done = Queued::default();
    loop {
        let claimed = digests::claim_due(db, owner, at, lease_until, 50).await?;
        if claimed.is_empty() {
            return Ok(done);
        }
        for subscription in claimed {
            let until = at - chrono::Duration::from_std(settle).unwrap_or_default();
            let from = subscription.covered_until;
            let next = schedule::next_digest(subscription.frequency, at, digest_hour);
            let user = recipient(db, subscription.user_id).await?;
            let news = match &user {
                Some(user) if until > from => !content(db, &subscription, user, from, until, 1).await?.is_empty(),
                _ => false,
            };
            let txn = unit::begin(db).await?;
            // Moving on first checks (and on PostgreSQL locks) the lease: a period another
            // instance took over is not queued here.
            if !digests::advance(&txn, subscription.id, owner, until.max(from), next).await? {
                continue;
            }
            if let (true, Some(user)) = (news, &user) {
                let params = DigestParams {
                    subscription_id: subscription.id,
                    frequency: subscription.frequency,
                    from,
                    until,
                };
                let queued = store::mail::enqueue_once(
                    &txn,
                    NewMail {
                        kind: MailKind::Digest,
                        recipient: user.email.clone(),
                        user_id: Some(user.id),
                        locale: user.locale,
                        subject: compose::digest_subject(user.locale, subscription.frequency),
                        params: serde_json::to_value(&params).map_err(AppError::internal)?,
                        secret: None,
                        dedupe_key: Some(store::mail::digest_key(subscription.id, until)),
                        // A digest not sent before the next one is due says stale news.
                        expires_at: Some(next),
                        cancelled: None,
                    },
                )
                .await?;
                done.queued += u64::from(queued);
            } else {
                done.empty += 1;
            }
            txn.commit().await?;
        }
    }
}

/// Why a queued digest is not sent after all, or its content and its subscription.
pub enum ToSend {
    Nothing(&'static str),
    Digest {
        content: Box<DigestContent>,
        /// The subscription's id (its unsubscribe link names it).
        subscription: Uuid,
    },
}

/// Reads the digest a queued row stands for, as it is now.
pub async fn prepare(db: &impl ConnectionTrait, params: &DigestParams) -> AppResult<ToSend> {
    let Some(subscription) = digests::by_id(db, params.subscription_id)
        .await?
        .filter(|s| s.unsubscribed_at.is_none())
    else {
        return Ok(ToSend::Nothing("désabonné entre-temps / unsubscribed meanwhile"));
    };
    let Some(user) = recipient(db, subscription.user_id).await? else {
        return Ok(ToSend::Nothing(
            "compte désactivé ou supprimé / account disabled or gone",
        ));
    };
    let content = content(db, &subscription, &user, params.from, params.until, LINES).await?;
    if content.is_empty() {
        return Ok(ToSend::Nothing(
            "plus rien de nouveau que le membre puisse voir / nothing new the member may see any more",
        ));
    }
    Ok(ToSend::Digest {
        content: Box::new(content),
        subscription: subscription.id,
    })
}

/// The one-click unsubscribe link of a subscription (its token is signed, so the link works
/// without signing in and cannot be made for another subscription).
pub async fn unsubscribe_token(db: &impl ConnectionTrait, subscription: Uuid) -> AppResult<String> {
    let key = store::mail::signing_key(db, UNSUBSCRIBE_KEY).await?;
    Ok(super::sign::sign(&key, super::sign::Purpose::Unsubscribe, subscription))
}

/// Ends the subscription a signed link names, without signing in, and cancels its digests
/// still waiting. Whether the link was good (using it twice is no error).
pub async fn unsubscribe(db: &DatabaseConnection, token: &str) -> AppResult<bool> {
    let key = store::mail::signing_key(db, UNSUBSCRIBE_KEY).await?;
    let Some(id) = super::sign::verify(&key, super::sign::Purpose::Unsubscribe, token) else {
        return Ok(false);
    };
    if digests::by_id(db, id).await?.is_none() {
        return Ok(false);
    }
    let txn = unit::begin(db).await?;
    if digests::unsubscribe(&txn, id).await? {
        end_subscription(&txn, id, store::audit::Actor::System("unsubscribe link")).await?;
    }
    txn.commit().await?;
    Ok(true)
}

/// What follows the end of subscription `id` in its transaction: its waiting digests are
/// cancelled and the audit log says who ended it.
pub async fn end_subscription(db: &impl ConnectionTrait, id: Uuid, actor: store::audit::Actor) -> AppResult<()> {
    store::mail::cancel_digests_of(db, id).await?;
    store::audit::write(
        db,
        store::audit::Entry {
            actor,
            subject: store::audit::Subject::DigestSubscription,
            entity_id: Some(id),
            operation: "unsubscribe",
            changed_fields: Vec::new(),
        },
    )
    .await
}
