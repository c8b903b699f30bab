//! Self-service password reset.
//!
//! `request` answers the same, after the same work, whether or not an account has the
//! address: it counts the attempt (per address and per e-mail, as sign-ins are counted), then
//! writes one outbox row in one transaction — waiting, for an account, or already cancelled
//! with its recipient blanked, for anything else — so that neither the answer nor its time
//! tells whether the address is known, and the hub keeps no list of the addresses people typed.
//!
//! The link's secret is made by the sender when it sends the message (`issue`), so the
//! outbox never holds it; only its hash is stored, and the link works once, within the hour.
//! `complete` sets the new password (the same policy as any), ends the account's sessions and
//! other links, and queues the notice that the password changed.

use std::net::IpAddr;

use chrono::{DateTime, Duration, Utc};
use entity::MailKind;
use sea_orm::{ConnectionTrait, DatabaseConnection};
use uuid::Uuid;

use super::password;
use super::token::{self, TokenKind};
use crate::domain::validate;
use crate::error::{AppError, AppResult};
use crate::mail::compose::{self, ResetParams};
use crate::store::{self, mail::NewMail, password_resets, sessions, throttle, unit, users};

/// How long a reset link works.
pub const LINK_TTL: Duration = Duration::hours(1);

/// Requests for one e-mail, from anywhere: three, then blocks growing to 15 min (enough for
/// someone whose message was slow, too few to flood an inbox).
const PER_EMAIL: throttle::Rule = throttle::Rule {
    free: 3,
    max_block: Duration::minutes(15),
};
/// Requests from one address, whatever the e-mails: as many as sign-ins.
const PER_ADDRESS: throttle::Rule = throttle::Rule {
    free: 20,
    max_block: Duration::minutes(15),
};

/// The error of a link that cannot be used.
fn unusable() -> AppError {
    AppError::bad_input(
        "token",
        "ce lien de réinitialisation n’est pas valable, a expiré ou a déjà servi : demandez-en un nouveau / \
         this reset link is not valid, has expired or was already used: ask for a new one",
    )
}

/// Asks for a reset link for `email` (see the module's documentation).
pub async fn request(db: &DatabaseConnection, email: &str, client: Option<IpAddr>) -> AppResult<()> {
    let email = users::normalise_email(&validate::email("email", email)?);
    let now = store::now();
    // Counted before anything else, outside the transaction, so that refused requests count.
    let hashed = token::hash_secret(&email);
    let mut keys = vec![(format!("reset-email:{hashed}"), PER_EMAIL)];
    if let Some(ip) = client {
        keys.push((format!("reset-ip:{ip}"), PER_ADDRESS));
    }
    let names: Vec<String> = keys.iter().map(|(k, _)| k.clone()).collect();
    if let Some(wait) = throttle::blocked_for(db, &names, now).await? {
        crate::metrics::rate_limited("password_reset");
        return Err(AppError::RateLimited {
            retry_after_secs: wait.num_seconds().max(1) as u64,
        });
    }
    for (key, rule) in &keys {
        throttle::take_attempt(db, key, *rule, now).await.inspect_err(|e| {
            if matches!(e, AppError::RateLimited { .. }) {
                crate::metrics::rate_limited("password_reset");
            }
        })?;
    }
    let txn = unit::begin(db).await?;
    let user = users::by_email(&txn, &email).await?.filter(|u| !u.disabled);
    // The same statements either way: the organisation is looked up (for nothing when there
    // is no account), and one row is written.
    let organisation = crate::mail::queue::organisation_name(
        &txn,
        Some(user.as_ref().and_then(|u| u.organisation_id).unwrap_or(Uuid::nil())),
    )
    .await?;
    let locale = user.as_ref().map_or(entity::Locale::Fr, |u| u.locale);
    let params = ResetParams {
        display_name: user.as_ref().map(|u| u.display_name.clone()).unwrap_or_default(),
        organisation,
    };
    store::mail::enqueue(
        &txn,
        NewMail {
            kind: MailKind::PasswordReset,
            recipient: if user.is_some() { email } else { String::new() },
            user_id: user.as_ref().map(|u| u.id),
            locale,
            subject: compose::reset_subject(locale),
            params: serde_json::to_value(&params).map_err(AppError::internal)?,
            secret: None,
            dedupe_key: None,
            // A request not sent within the hour is not worth sending.
            expires_at: Some(now + LINK_TTL),
            cancelled: user
                .is_none()
                .then_some("aucun compte actif n’a cette adresse / no active account has this address"),
        },
    )
    .await?;
    txn.commit().await?;
    Ok(())
}

/// A link made for a message being sent: its token (to put in the message) and when it expires.
pub struct Issued {
    pub id: Uuid,
    pub token: String,
    pub expires_at: DateTime<Utc>,
}

/// Makes a reset link for `user_id`, valid one hour from now (called by the sender as it sends
/// the message; only the hash of the secret is stored).
pub async fn issue(db: &impl ConnectionTrait, user_id: Uuid) -> AppResult<Issued> {
    let id = Uuid::now_v7();
    let issued = token::issue(TokenKind::PasswordReset, id);
    let expires_at = store::now() + LINK_TTL;
    password_resets::create(db, id, user_id, issued.secret_hash, expires_at).await?;
    Ok(Issued {
        id,
        token: issued.text,
        expires_at,
    })
}

/// The live link `text` opens, with its account.
async fn open(
    db: &impl ConnectionTrait,
    text: &str,
    at: DateTime<Utc>,
) -> AppResult<(entity::password_reset::Model, entity::user::Model)> {
    let presented = token::parse(text)
        .filter(|p| p.kind == TokenKind::PasswordReset)
        .ok_or_else(unusable)?;
    let link = password_resets::by_id(db, presented.id)
        .await?
        .filter(|l| presented.matches(&l.secret_hash) && l.used_at.is_none() && l.expires_at > at)
        .ok_or_else(unusable)?;
    let user = users::by_id(db, link.user_id)
        .await?
        .filter(|u| !u.disabled)
        .ok_or_else(unusable)?;
    Ok((link, user))
}

/// Whether `text` is a link that can still be used (the reset page asks before showing its form).
pub async fn is_usable(db: &impl ConnectionTrait, text: &str) -> AppResult<bool> {
    match open(db, text, store::now()).await {
        Ok(_) => Ok(true),
        Err(AppError::BadUserInput { .. }) => Ok(false),
        Err(e) => Err(e),
    }
}

/// Sets `new_password` through reset link `text`: once, within its hour, under the password
/// policy. Every session of the account ends, and so do its other links; the notice that the
/// password changed is queued in the same transaction.
pub async fn complete(db: &DatabaseConnection, text: &str, new_password: &str) -> AppResult<entity::user::Model> {
    let (link, user) = open(db, text, store::now()).await?;
    password::check_new_for("newPassword", new_password, &user.email, &user.display_name)?;
    let candidate = new_password.to_string();
    // Hashed before the transaction: the write lock is not held during Argon2.
    let hash = super::accounts::blocking(move || password::hash(&candidate)).await??;
    let now = store::now();
    let txn = unit::begin(db).await?;
    if !password_resets::consume(&txn, link.id, now).await? {
        // Used (or expired) between the check and now: by another request.
        return Err(unusable());
    }
    let user = users::set_password(&txn, user.id, hash, false).await?;
    password_resets::end_all_of(&txn, user.id, now).await?;
    sessions::revoke_all_of(&txn, user.id, None).await?;
    crate::mail::queue::password_changed(&txn, &user, now).await?;
    store::audit::write(
        &txn,
        store::audit::Entry {
            actor: store::audit::Actor::User {
                id: user.id,
                email: user.email.clone(),
            },
            subject: store::audit::Subject::User,
            entity_id: Some(user.id),
            operation: "complete_password_reset",
            changed_fields: Vec::new(),
        },
    )
    .await?;
    txn.commit().await?;
    Ok(user)
}
