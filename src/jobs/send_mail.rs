//! The mail sender: queues the digests and kit loan reminders that fell due, then drains the
//! mail outbox.
//!
//! It claims due messages with a lease (`store::mail::claim_due`), checks once per batch that
//! mail can be handed over (the SMTP server answers and accepts the hub), then for each
//! message renews its lease, composes it, hands it over, and marks it — sent (its secret
//! wiped), to retry after `backoff` (its error kept), refused for good on a 5xx reply, or
//! cancelled when there is nothing to send after all. Only the lease holder marks a message,
//! and a message whose lease was lost is left to whoever holds it now.
//!
//! So a message is sent twice only if the process dies (or the database is lost) between the
//! SMTP server's `250` and the mark: its lease then expires and another attempt sends it again,
//! with the same `Message-ID`. Nothing else sends twice. A stopping instance finishes the
//! message in hand, stops before the next, and gives its leases back.

use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use chrono::Utc;
use entity::{MailKind, mail_outbox};
use sea_orm::DatabaseConnection;
use tokio::sync::{Mutex, watch};
use uuid::Uuid;

use crate::config::MailSettings;
use crate::mail::compose::{
    self, Composed, DigestParams, InvitationParams, KitLoanReminderParams, Links, NoticeParams, ResetParams,
};
use crate::mail::transport::{Outgoing, SendError};
use crate::mail::{Mailer, digest, reminder, schedule};
use crate::store::{self, digests, mail as outbox};

/// How long a message's lease lasts: far longer than one hand-over (bounded by the SMTP
/// timeout), renewed before each.
const LEASE: Duration = Duration::from_secs(300);
/// Messages claimed at once.
const BATCH: u64 = 50;
/// Settled messages are kept this long, then deleted.
const KEEP_DAYS: i64 = 30;

/// What one pass did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Pass {
    pub sent: u64,
    /// Failed this time, to be retried.
    pub retried: u64,
    /// Refused for good.
    pub refused: u64,
    pub cancelled: u64,
    /// Digests queued for the periods that fell due.
    pub digests_queued: u64,
    /// Reminders queued for the kits due back.
    pub reminders_queued: u64,
}

impl Pass {
    pub fn is_idle(&self) -> bool {
        *self == Pass::default()
    }
}

/// How one message ended.
enum Outcome {
    Sent,
    Retry(String),
    Refused(String),
    Cancelled(&'static str),
    /// The lease was lost before sending: another sender has it.
    Lost,
}

/// This instance's mail sender.
#[derive(Clone)]
pub struct MailSender {
    db: DatabaseConnection,
    mailer: Arc<Mailer>,
    settings: MailSettings,
    links: Links,
    owner: String,
    /// How recent a change may be and wait for the next digest (a write still committing).
    settle: Duration,
    /// When settled messages were last pruned.
    pruned: Arc<Mutex<Option<chrono::DateTime<Utc>>>>,
}

impl MailSender {
    pub fn new(db: DatabaseConnection, mailer: Arc<Mailer>, settings: MailSettings, public_url: &str) -> MailSender {
        let host = std::env::var("HOSTNAME").unwrap_or_else(|_| "hub".into());
        let owner = crate::domain::validate::cut(&format!("{host}/mail/{}", Uuid::new_v4()), 64);
        MailSender {
            db,
            mailer,
            settings,
            links: Links::new(public_url),
            owner,
            settle: Duration::from_secs(120),
            pruned: Arc::new(Mutex::new(None)),
        }
    }

    /// The same sender, leaving to the next digest only what changed within `settle` (tests
    /// use zero).
    pub fn with_settle(mut self, settle: Duration) -> MailSender {
        self.settle = settle;
        self
    }

    pub fn settings(&self) -> &MailSettings {
        &self.settings
    }

    /// Gives back the messages and digest subscriptions this instance holds (at shutdown,
    /// once it stopped).
    pub async fn release_leases(&self) -> crate::error::AppResult<u64> {
        let messages = outbox::release_all_of(&self.db, &self.owner).await?;
        let digests = digests::release_all_of(&self.db, &self.owner).await?;
        Ok(messages + digests)
    }

    /// One pass: queues due digests, then sends every due message.
    pub async fn run_once(&self) -> anyhow::Result<Pass> {
        self.run(None).await
    }

    /// One pass that stops before the next message once `stop` says so.
    pub async fn run(&self, stop: Option<&watch::Receiver<bool>>) -> anyhow::Result<Pass> {
        let stopped = || stop.is_some_and(|s| *s.borrow());
        let now = store::now();
        let queued = digest::queue_due(&self.db, &self.owner, now, self.settle, self.settings.digest_hour)
            .await
            .context("cannot queue the due digests")?;
        let reminders = reminder::queue_due(&self.db, now)
            .await
            .context("cannot queue the kit loan reminders")?;
        let mut pass = Pass {
            digests_queued: queued.queued,
            reminders_queued: reminders,
            ..Pass::default()
        };
        pass.cancelled += outbox::cancel_expired(&self.db, now).await?;
        self.prune(now).await?;
        // Due when the sending starts (the digests just queued included): a message that fails
        // during the pass waits for the next one, whatever its backoff.
        let due = store::now();
        let mut checked = false;
        while !stopped() {
            let batch = outbox::claim_due(&self.db, &self.owner, due, self.lease_until(), BATCH).await?;
            if batch.is_empty() {
                break;
            }
            if !checked {
                if let Err(e) = self.mailer.check().await {
                    // The server is down or refuses the hub: every claimed message waits.
                    tracing::warn!(error = %e.message, "mail cannot be handed over; messages wait");
                    for row in &batch {
                        self.retry_later(row, &e.message).await?;
                        crate::metrics::mail_message(row.kind.as_str(), "retried");
                        pass.retried += 1;
                    }
                    return Ok(pass);
                }
                checked = true;
            }
            let mut rows = batch.into_iter();
            for row in rows.by_ref() {
                if stopped() {
                    break;
                }
                let (id, kind) = (row.id, row.kind.as_str());
                match self.deliver(row).await? {
                    Outcome::Sent => {
                        crate::metrics::mail_message(kind, "sent");
                        pass.sent += 1;
                    }
                    Outcome::Retry(error) => {
                        tracing::warn!(message = %id, kind, %error, "a message will be retried");
                        crate::metrics::mail_message(kind, "retried");
                        pass.retried += 1;
                    }
                    Outcome::Refused(error) => {
                        tracing::warn!(message = %id, kind, %error, "a message was refused for good");
                        crate::metrics::mail_message(kind, "refused");
                        pass.refused += 1;
                    }
                    Outcome::Cancelled(reason) => {
                        tracing::info!(message = %id, kind, reason, "a message was cancelled");
                        crate::metrics::mail_message(kind, "cancelled");
                        pass.cancelled += 1;
                    }
                    Outcome::Lost => {}
                }
            }
            // Stopped mid-batch: what was not tried is given back at once.
            for row in rows {
                outbox::release(&self.db, row.id, &self.owner).await?;
            }
        }
        Ok(pass)
    }

    fn lease_until(&self) -> chrono::DateTime<Utc> {
        store::now() + chrono::Duration::from_std(LEASE).unwrap_or_else(|_| chrono::Duration::minutes(5))
    }

    async fn prune(&self, now: chrono::DateTime<Utc>) -> anyhow::Result<()> {
        let mut pruned = self.pruned.lock().await;
        if pruned.is_some_and(|at| now - at < chrono::Duration::hours(1)) {
            return Ok(());
        }
        let before = now - chrono::Duration::days(KEEP_DAYS);
        let deleted = outbox::prune(&self.db, before).await? + store::password_resets::prune(&self.db, before).await?;
        if deleted > 0 {
            tracing::info!(rows = deleted, "old mail outbox rows and reset links deleted");
        }
        *pruned = Some(now);
        Ok(())
    }

    async fn retry_later(&self, row: &mail_outbox::Model, error: &str) -> anyhow::Result<()> {
        let wait = schedule::backoff(row.attempts + 1, self.settings.retry_base, self.settings.retry_max);
        let now = store::now();
        let not_before = now + chrono::Duration::from_std(wait).unwrap_or_else(|_| chrono::Duration::hours(1));
        outbox::retry_later(&self.db, row.id, &self.owner, now, not_before, error).await?;
        Ok(())
    }

    /// Composes, hands over and marks one claimed message.
    async fn deliver(&self, row: mail_outbox::Model) -> anyhow::Result<Outcome> {
        let now = store::now();
        if row.expires_at.is_some_and(|at| at <= now) {
            outbox::mark_cancelled(&self.db, row.id, &self.owner, outbox::EXPIRED).await?;
            return Ok(Outcome::Cancelled(outbox::EXPIRED));
        }
        // Renewed right before the hand-over: a lease that expired meanwhile (and perhaps
        // went to another sender) means hands off.
        if !outbox::renew(&self.db, row.id, &self.owner, self.lease_until()).await? {
            return Ok(Outcome::Lost);
        }
        let prepared = match self.compose(&row).await {
            Ok(prepared) => prepared,
            Err(Prepared::Nothing(reason)) => {
                outbox::mark_cancelled(&self.db, row.id, &self.owner, reason).await?;
                return Ok(Outcome::Cancelled(reason));
            }
            Err(Prepared::Failed(e)) => {
                let error = format!("le message n’a pas pu être composé / the message could not be composed: {e:#}");
                self.retry_later(&row, &error).await?;
                return Ok(Outcome::Retry(error));
            }
        };
        let out = Outgoing {
            id: row.id,
            to: &row.recipient,
            to_name: prepared.to_name.as_deref(),
            composed: &prepared.composed,
            unsubscribe: prepared.unsubscribe.as_deref(),
        };
        let result = self.mailer.send(&out).await;
        let now = store::now();
        match result {
            Ok(_) => {
                // The one window where a message can go twice: handed over, not yet marked.
                self.mark_sent(row.id, now).await?;
                if let Some(subscription) = prepared.digest_of {
                    digests::sent(&self.db, subscription, now).await?;
                }
                Ok(Outcome::Sent)
            }
            Err(SendError { permanent, message }) => {
                // A link nobody received is forgotten.
                if let Some(link) = prepared.reset_link {
                    store::password_resets::delete(&self.db, link).await?;
                }
                if permanent {
                    outbox::mark_failed(&self.db, row.id, &self.owner, now, &message).await?;
                    Ok(Outcome::Refused(message))
                } else {
                    self.retry_later(&row, &message).await?;
                    Ok(Outcome::Retry(message))
                }
            }
        }
    }

    /// Marks a handed-over message sent, trying a few times: the database being briefly out
    /// of reach must not make it go twice.
    async fn mark_sent(&self, id: Uuid, at: chrono::DateTime<Utc>) -> anyhow::Result<()> {
        let mut wait = Duration::from_millis(200);
        for attempt in 0..5 {
            match outbox::mark_sent(&self.db, id, &self.owner, at).await {
                Ok(true) => return Ok(()),
                Ok(false) => {
                    tracing::warn!(message = %id, "a message was sent after its lease was lost: it may go twice");
                    return Ok(());
                }
                Err(e) if attempt < 4 => {
                    tracing::warn!(message = %id, error = %e, "cannot mark a sent message yet");
                    tokio::time::sleep(wait).await;
                    wait *= 2;
                }
                Err(e) => {
                    return Err(anyhow::anyhow!("{e}")).context(format!(
                        "message {id} was sent but could not be marked: it will go again once its lease expires"
                    ));
                }
            }
        }
        Ok(())
    }

    /// The message a row stands for, composed now.
    async fn compose(&self, row: &mail_outbox::Model) -> Result<Ready, Prepared> {
        let locale = row.locale;
        let params = |row: &mail_outbox::Model| row.params.clone();
        // A message to an account goes only while the account is active (disabled since, it
        // is never sent; a reset asked for no account has no account).
        if let Some(user_id) = row.user_id {
            let active = store::users::by_id(&self.db, user_id)
                .await
                .map_err(failed)?
                .is_some_and(|u| !u.disabled);
            if !active {
                return Err(Prepared::Nothing(
                    "compte désactivé ou supprimé / account disabled or gone",
                ));
            }
        }
        match row.kind {
            MailKind::Invitation => {
                let p: InvitationParams = serde_json::from_value(params(row)).map_err(failed)?;
                let Some(secret) = row.secret.as_deref() else {
                    return Err(Prepared::Nothing(
                        "plus de mot de passe à remettre / no password left to deliver",
                    ));
                };
                Ok(Ready::to(
                    &p.display_name,
                    compose::invitation(locale, &p, secret, &self.links),
                ))
            }
            MailKind::PasswordReset => {
                let p: ResetParams = serde_json::from_value(params(row)).map_err(failed)?;
                let Some(user_id) = row.user_id else {
                    return Err(Prepared::Nothing("aucun compte / no account"));
                };
                let active = store::users::by_id(&self.db, user_id)
                    .await
                    .map_err(failed)?
                    .is_some_and(|u| !u.disabled);
                if !active {
                    return Err(Prepared::Nothing(
                        "compte désactivé ou supprimé / account disabled or gone",
                    ));
                }
                let link = crate::auth::reset::issue(&self.db, user_id).await.map_err(failed)?;
                let url = self.links.password_reset(&link.token);
                let mut ready = Ready::to(
                    &p.display_name,
                    compose::password_reset(locale, &p, &url, link.expires_at, &self.links),
                );
                ready.reset_link = Some(link.id);
                Ok(ready)
            }
            MailKind::PasswordChanged => {
                let p: NoticeParams = serde_json::from_value(params(row)).map_err(failed)?;
                Ok(Ready::to(
                    &p.display_name,
                    compose::password_changed(locale, &p, &self.links),
                ))
            }
            MailKind::KitLoanReminder => {
                let p: KitLoanReminderParams = serde_json::from_value(params(row)).map_err(failed)?;
                if !reminder::still_due(&self.db, &p).await.map_err(failed)? {
                    return Err(Prepared::Nothing(
                        "le prêt n’est plus en cours ou sa date de retour a changé / the loan is no longer out or its return day moved",
                    ));
                }
                Ok(Ready::to(
                    &p.display_name,
                    compose::kit_loan_reminder(locale, &p, &self.links),
                ))
            }
            MailKind::Digest => {
                let p: DigestParams = serde_json::from_value(params(row)).map_err(failed)?;
                match digest::prepare(&self.db, &p).await.map_err(failed)? {
                    digest::ToSend::Nothing(reason) => Err(Prepared::Nothing(reason)),
                    digest::ToSend::Digest { content, subscription } => {
                        let token = digest::unsubscribe_token(&self.db, subscription)
                            .await
                            .map_err(failed)?;
                        let url = self.links.unsubscribe(&token);
                        let mut ready = Ready::to(
                            &content.display_name,
                            compose::digest(locale, &content, &url, &self.links),
                        );
                        ready.unsubscribe = Some(url);
                        ready.digest_of = Some(subscription);
                        Ok(ready)
                    }
                }
            }
        }
    }
}

/// A composed message and what follows its fate.
struct Ready {
    composed: Composed,
    to_name: Option<String>,
    unsubscribe: Option<String>,
    /// The reset link made for it (forgotten if it is not sent).
    reset_link: Option<Uuid>,
    /// The digest subscription it is a digest of.
    digest_of: Option<Uuid>,
}

impl Ready {
    fn to(name: &str, composed: Composed) -> Ready {
        Ready {
            composed,
            to_name: Some(name.to_string()).filter(|n| !n.trim().is_empty()),
            unsubscribe: None,
            reset_link: None,
            digest_of: None,
        }
    }
}

/// Why a row was not composed.
enum Prepared {
    Nothing(&'static str),
    Failed(anyhow::Error),
}

fn failed(e: impl std::fmt::Display) -> Prepared {
    Prepared::Failed(anyhow::anyhow!("{e}"))
}
