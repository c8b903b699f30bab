//! Account operations: sign-in, passwords, accounts and API keys. Each takes a connection,
//! so callers run it inside their transaction.

use std::net::IpAddr;

use chrono::{DateTime, Duration, Utc};
use entity::{ApiKeyScope, Role};
use sea_orm::ConnectionTrait;
use uuid::Uuid;

use super::password;
use super::token::{self, TokenKind};
use super::viewer::{Actor, Viewer};
use crate::domain::validate;
use crate::error::{AppError, AppResult};
use crate::store::{api_keys, sessions, throttle, users};

/// Failures allowed per account, then per client address, before growing delays.
const FREE_FAILURES_PER_ACCOUNT: i32 = 5;
const FREE_FAILURES_PER_ADDRESS: i32 = 20;

/// How long a session lasts.
pub const SESSION_TTL: Duration = Duration::hours(12);

/// Runs Argon2 off the async runtime.
async fn blocking<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> AppResult<T> {
    tokio::task::spawn_blocking(f)
        .await
        .map_err(|e| AppError::internal(anyhow::anyhow!("password task failed: {e}")))
}

pub struct SignedIn {
    pub token: String,
    pub user: entity::user::Model,
    pub expires_at: DateTime<Utc>,
}

fn throttle_keys(email: &str, client: Option<IpAddr>) -> Vec<String> {
    let mut keys = vec![format!("email:{}", users::normalise_email(email))];
    if let Some(ip) = client {
        keys.push(format!("ip:{ip}"));
    }
    keys
}

/// Signs in. An unknown e-mail, a wrong password and a disabled account give the same
/// answer after the same work; failures are throttled per account and per client address.
pub async fn login(
    db: &impl ConnectionTrait,
    email: &str,
    password_text: &str,
    client: Option<IpAddr>,
) -> AppResult<SignedIn> {
    let now = crate::store::now();
    let keys = throttle_keys(email, client);
    if let Some(wait) = throttle::blocked_for(db, &keys, now).await? {
        return Err(AppError::RateLimited {
            retry_after_secs: wait.num_seconds().max(1) as u64,
        });
    }
    let user = users::by_email(db, email).await?;
    let candidate = password_text.to_string();
    let ok = match &user {
        Some(u) => {
            let hash = u.password_hash.clone();
            let disabled = u.disabled;
            blocking(move || password::verify(&candidate, &hash)).await? && !disabled
        }
        None => {
            blocking(move || password::verify_against_nothing(&candidate)).await?;
            false
        }
    };
    let Some(user) = user.filter(|_| ok) else {
        throttle::record_failure(db, &keys[0], FREE_FAILURES_PER_ACCOUNT, now).await?;
        if let Some(ip_key) = keys.get(1) {
            throttle::record_failure(db, ip_key, FREE_FAILURES_PER_ADDRESS, now).await?;
        }
        return Err(AppError::InvalidCredentials);
    };
    throttle::clear(db, &keys[0]).await?;
    let id = Uuid::now_v7();
    let issued = token::issue(TokenKind::Session, id);
    let session = sessions::create(db, id, user.id, issued.secret_hash, SESSION_TTL).await?;
    users::touch_login(db, user.id, now).await?;
    Ok(SignedIn {
        token: issued.text,
        user,
        expires_at: session.expires_at,
    })
}

pub async fn logout(db: &impl ConnectionTrait, viewer: &Viewer) -> AppResult<()> {
    match &viewer.actor {
        Actor::User { session_id, .. } => sessions::revoke(db, *session_id).await,
        Actor::ApiKey { .. } => Err(AppError::bad_input("token", "API keys are revoked with revokeApiKey")),
        Actor::Anonymous => Err(AppError::Unauthenticated),
    }
}

/// Changes the caller's password; other sessions of the account are revoked.
pub async fn change_password(
    db: &impl ConnectionTrait,
    viewer: &Viewer,
    current: &str,
    new: &str,
) -> AppResult<entity::user::Model> {
    let Actor::User { id, session_id, .. } = &viewer.actor else {
        return Err(AppError::Unauthenticated);
    };
    let user = users::by_id(db, *id).await?.ok_or(AppError::Unauthenticated)?;
    let (candidate, hash) = (current.to_string(), user.password_hash.clone());
    if !blocking(move || password::verify(&candidate, &hash)).await? {
        return Err(AppError::bad_input("currentPassword", "currentPassword is wrong"));
    }
    password::check_new("newPassword", new, &user.email)?;
    if new == current {
        return Err(AppError::bad_input(
            "newPassword",
            "newPassword must differ from the current one",
        ));
    }
    let new = new.to_string();
    let hash = blocking(move || password::hash(&new)).await??;
    let user = users::set_password(db, user.id, hash, false).await?;
    sessions::revoke_all_of(db, user.id, Some(*session_id)).await?;
    Ok(user)
}

/// A new account with a temporary password, shown once.
pub async fn create_user(
    db: &impl ConnectionTrait,
    email: &str,
    display_name: Option<&str>,
    organisation_id: Option<Uuid>,
    role: Role,
) -> AppResult<(entity::user::Model, String)> {
    let email = validate::email("email", email)?.to_lowercase();
    let display_name = match display_name {
        Some(name) => validate::text("displayName", name, validate::TITLE_MAX)?,
        None => email.split('@').next().unwrap_or("").to_string(),
    };
    if role != Role::Admin && organisation_id.is_none() {
        return Err(AppError::bad_input(
            "organisationId",
            "editors and members belong to an organisation",
        ));
    }
    let temporary = password::temporary();
    let for_hash = temporary.clone();
    let hash = blocking(move || password::hash(&for_hash)).await??;
    let user = users::create(
        db,
        users::NewUser {
            email,
            display_name,
            organisation_id,
            role,
            password_hash: hash,
        },
    )
    .await?;
    Ok((user, temporary))
}

/// Gives an account a new temporary password and signs it out everywhere.
pub async fn reset_password(db: &impl ConnectionTrait, user_id: Uuid) -> AppResult<(entity::user::Model, String)> {
    let temporary = password::temporary();
    let for_hash = temporary.clone();
    let hash = blocking(move || password::hash(&for_hash)).await??;
    let user = users::set_password(db, user_id, hash, true).await?;
    sessions::revoke_all_of(db, user_id, None).await?;
    Ok((user, temporary))
}

/// Disables (or enables) an account; disabling signs it out everywhere.
pub async fn set_disabled(db: &impl ConnectionTrait, user_id: Uuid, disabled: bool) -> AppResult<entity::user::Model> {
    let user = users::set_disabled(db, user_id, disabled).await?;
    if disabled {
        sessions::revoke_all_of(db, user_id, None).await?;
    }
    Ok(user)
}

/// A new API key for an organisation; the secret is shown once.
pub async fn create_api_key(
    db: &impl ConnectionTrait,
    viewer: &Viewer,
    organisation_id: Uuid,
    name: &str,
    scope: ApiKeyScope,
) -> AppResult<(entity::api_key::Model, String)> {
    let name = validate::text("name", name, validate::TITLE_MAX)?;
    let id = Uuid::now_v7();
    let issued = token::issue(TokenKind::ApiKey, id);
    let key = api_keys::create(
        db,
        api_keys::NewApiKey {
            id,
            organisation_id,
            name,
            scope,
            secret_hash: issued.secret_hash,
            created_by: viewer.user_id(),
        },
    )
    .await?;
    Ok((key, issued.text))
}

/// Creates a private calendar link for a signed-in user; returns it with its token (shown once).
pub async fn create_calendar_subscription(
    db: &impl ConnectionTrait,
    viewer: &Viewer,
    name: Option<&str>,
    filter: crate::store::calendar_subscriptions::SavedEventFilter,
) -> AppResult<(entity::calendar_subscription::Model, String)> {
    use crate::store::calendar_subscriptions as links;
    // A link reads with its creator's scope, so it needs a person (an API key has none).
    let user_id = viewer.user_id().ok_or(if viewer.is_anonymous() {
        AppError::Unauthenticated
    } else {
        AppError::Forbidden
    })?;
    let name = validate::text("name", name.unwrap_or("Passerelle"), validate::TITLE_MAX)?;
    let id = Uuid::now_v7();
    let issued = token::issue(TokenKind::CalendarLink, id);
    let link = links::create(
        db,
        links::NewSubscription {
            id,
            user_id,
            name,
            filter,
            secret_hash: issued.secret_hash,
        },
    )
    .await?;
    Ok((link, issued.text))
}
