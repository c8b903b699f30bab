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

/// Sign-in attempts for one account from one address: five, then blocks growing to 15 min.
const PER_ACCOUNT_AND_ADDRESS: throttle::Rule = throttle::Rule {
    free: 5,
    max_block: Duration::minutes(15),
};
/// Attempts from one address, whatever the accounts: twenty, then blocks growing to 15 min.
const PER_ADDRESS: throttle::Rule = throttle::Rule {
    free: 20,
    max_block: Duration::minutes(15),
};
/// Attempts on one account from every address it never signed in from: ten, then waits that
/// only slow (30 s at most), so that guesses spread over many addresses stay slow while the
/// owner, from a new address, is never locked out for long — and from an address it signed
/// in from in the last 90 days, not at all.
const PER_ACCOUNT: throttle::Rule = throttle::Rule {
    free: 10,
    max_block: Duration::seconds(30),
};
/// Wrong current passwords given to `changePassword` by one account.
const PASSWORD_CHANGES: throttle::Rule = throttle::Rule {
    free: 5,
    max_block: Duration::minutes(15),
};

/// How long a session lasts.
pub const SESSION_TTL: Duration = Duration::hours(12);

/// Runs Argon2 off the async runtime.
pub(crate) async fn blocking<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> AppResult<T> {
    tokio::task::spawn_blocking(f)
        .await
        .map_err(|e| AppError::internal(anyhow::anyhow!("password task failed: {e}")))
}

pub struct SignedIn {
    pub token: String,
    pub user: entity::user::Model,
    pub expires_at: DateTime<Utc>,
}

/// The throttle keys of a sign-in, each with its rule; the first ones are cleared by a
/// success, the address's is only given back its attempt. The e-mail is hashed into the keys:
/// they stay short whatever a client sends, and the table holds no address book.
struct SignInKeys {
    cleared: Vec<(String, throttle::Rule)>,
    address: Option<(String, throttle::Rule)>,
    /// Marks that this account signed in from this address before.
    known: Option<String>,
}

impl SignInKeys {
    fn new(email: &str, client: Option<IpAddr>) -> SignInKeys {
        let email = token::hash_secret(&users::normalise_email(email));
        let mut cleared = vec![(format!("email:{email}"), PER_ACCOUNT)];
        let known = client.map(|ip| format!("known:{email}|{ip}"));
        let address = client.map(|ip| {
            cleared.push((format!("email-ip:{email}|{ip}"), PER_ACCOUNT_AND_ADDRESS));
            (format!("ip:{ip}"), PER_ADDRESS)
        });
        SignInKeys {
            cleared,
            address,
            known,
        }
    }

    /// The keys an attempt counts on: from an address the account signed in from before,
    /// not the account's own (so that guesses from elsewhere never lock its owner out there).
    fn counted(&self, known_address: bool) -> impl Iterator<Item = &(String, throttle::Rule)> {
        self.cleared
            .iter()
            .filter(move |(key, _)| !(known_address && key.starts_with("email:")))
            .chain(self.address.as_ref())
    }
}

/// How long an address a sign-in succeeded from stays known to the account.
const KNOWN_ADDRESS: Duration = Duration::days(90);

/// Signs in. An unknown e-mail, a wrong password and a disabled account give the same
/// answer after the same work. Every attempt is counted before the password is checked, per
/// account and address, per address and per account (see the rules above); a blocked one is
/// refused with `RATE_LIMITED` without being checked.
pub async fn login(
    db: &impl ConnectionTrait,
    email: &str,
    password_text: &str,
    client: Option<IpAddr>,
) -> AppResult<SignedIn> {
    let now = crate::store::now();
    let keys = SignInKeys::new(email, client);
    let known_address = match &keys.known {
        Some(key) => throttle::is_marked(db, key, now - KNOWN_ADDRESS).await?,
        None => false,
    };
    let names: Vec<String> = keys.counted(known_address).map(|(k, _)| k.clone()).collect();
    if let Some(wait) = throttle::blocked_for(db, &names, now).await? {
        crate::metrics::rate_limited("sign_in");
        return Err(AppError::RateLimited {
            retry_after_secs: wait.num_seconds().max(1) as u64,
        });
    }
    for (key, rule) in keys.counted(known_address) {
        throttle::take_attempt(db, key, *rule, now)
            .await
            .inspect_err(counted("sign_in"))?;
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
        return Err(AppError::InvalidCredentials);
    };
    // Said only to whoever knows the password: it tells nothing to a guesser.
    if user.must_change_password && user.temporary_password_expires_at.is_some_and(|at| at <= now) {
        return Err(AppError::TemporaryPasswordExpired);
    }
    for (key, _) in &keys.cleared {
        throttle::clear(db, key).await?;
    }
    if let Some((key, rule)) = &keys.address {
        throttle::give_back(db, key, *rule).await?;
    }
    if let Some(key) = &keys.known {
        throttle::mark(db, key, now).await?;
    }
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

fn password_change_key(user_id: Uuid) -> String {
    format!("password-change:{user_id}")
}

/// The checks of a new password that need no secret (the policy, differing from the current
/// one): run before `count_password_change`, so that a refused new password costs no attempt.
pub async fn check_new_password(db: &impl ConnectionTrait, viewer: &Viewer, current: &str, new: &str) -> AppResult<()> {
    let Actor::User { id, .. } = &viewer.actor else {
        return Err(AppError::Unauthenticated);
    };
    let user = users::by_id(db, *id).await?.ok_or(AppError::Unauthenticated)?;
    new_password_rules(&user, current, new)
}

fn new_password_rules(user: &entity::user::Model, current: &str, new: &str) -> AppResult<()> {
    password::check_new_for("newPassword", new, &user.email, &user.display_name)?;
    if new == current {
        return Err(AppError::bad_input(
            "newPassword",
            "le nouveau mot de passe doit différer de l’actuel / newPassword must differ from the current one",
        ));
    }
    Ok(())
}

/// Counts one password change attempt of the caller, before `change_password` checks the
/// current password (a stolen session cannot guess it). Run it outside the change's
/// transaction, so that a refused change still counts.
pub async fn count_password_change(db: &impl ConnectionTrait, viewer: &Viewer) -> AppResult<()> {
    let Actor::User { id, .. } = &viewer.actor else {
        return Err(AppError::Unauthenticated);
    };
    throttle::take_attempt(db, &password_change_key(*id), PASSWORD_CHANGES, crate::store::now())
        .await
        .inspect_err(counted("password_change"))
}

/// Counts a `RATE_LIMITED` refusal of `kind` in the metrics.
fn counted(kind: &'static str) -> impl Fn(&AppError) {
    move |err| {
        if matches!(err, AppError::RateLimited { .. }) {
            crate::metrics::rate_limited(kind);
        }
    }
}

/// Changes the caller's password; other sessions of the account are revoked. Call
/// `count_password_change` first.
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
    let key = password_change_key(*id);
    let (candidate, hash) = (current.to_string(), user.password_hash.clone());
    if !blocking(move || password::verify(&candidate, &hash)).await? {
        return Err(AppError::bad_input("currentPassword", "currentPassword is wrong"));
    }
    throttle::clear(db, &key).await?;
    new_password_rules(&user, current, new)?;
    let new = new.to_string();
    let hash = blocking(move || password::hash(&new)).await??;
    let user = users::set_password(db, user.id, hash, false).await?;
    sessions::revoke_all_of(db, user.id, Some(*session_id)).await?;
    Ok(user)
}

/// How long a temporary password opens its account unless told otherwise
/// (`PASSERELLE_TEMPORARY_PASSWORD_DAYS`).
pub const DEFAULT_TEMPORARY_DAYS: u32 = 14;

/// A new account with a temporary password, shown once, in French, expiring after the
/// default number of days.
pub async fn create_user(
    db: &impl ConnectionTrait,
    email: &str,
    display_name: Option<&str>,
    organisation_id: Option<Uuid>,
    role: Role,
) -> AppResult<(entity::user::Model, String)> {
    create_account(
        db,
        NewAccount {
            email,
            display_name,
            organisation_id,
            role,
            locale: entity::Locale::Fr,
            temporary_days: DEFAULT_TEMPORARY_DAYS,
        },
    )
    .await
}

/// What an administrator says of a new account.
pub struct NewAccount<'a> {
    pub email: &'a str,
    pub display_name: Option<&'a str>,
    pub organisation_id: Option<Uuid>,
    pub role: Role,
    pub locale: entity::Locale,
    /// How long the temporary password opens the account.
    pub temporary_days: u32,
}

/// A new account with a temporary password, shown once.
pub async fn create_account(
    db: &impl ConnectionTrait,
    new: NewAccount<'_>,
) -> AppResult<(entity::user::Model, String)> {
    let email = validate::email("email", new.email)?.to_lowercase();
    let display_name = match new.display_name {
        Some(name) => validate::text("displayName", name, validate::TITLE_MAX)?,
        None => email.split('@').next().unwrap_or("").to_string(),
    };
    if new.role != Role::Admin && new.organisation_id.is_none() {
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
            organisation_id: new.organisation_id,
            role: new.role,
            password_hash: hash,
            locale: new.locale,
            temporary_password_expires_at: temporary_expiry(new.temporary_days),
        },
    )
    .await?;
    Ok((user, temporary))
}

fn temporary_expiry(days: u32) -> DateTime<Utc> {
    crate::store::now() + Duration::days(i64::from(days))
}

/// Gives an account a new temporary password and signs it out everywhere.
pub async fn reset_password(db: &impl ConnectionTrait, user_id: Uuid) -> AppResult<(entity::user::Model, String)> {
    renew_temporary_password(db, user_id, DEFAULT_TEMPORARY_DAYS).await
}

/// Gives an account a new temporary password, valid `days`, and signs it out everywhere.
pub async fn renew_temporary_password(
    db: &impl ConnectionTrait,
    user_id: Uuid,
    days: u32,
) -> AppResult<(entity::user::Model, String)> {
    let temporary = password::temporary();
    let for_hash = temporary.clone();
    let hash = blocking(move || password::hash(&for_hash)).await??;
    let user = users::set_temporary_password(db, user_id, hash, temporary_expiry(days)).await?;
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

/// Creates a private link (a calendar, an address book) for a signed-in user; returns it
/// with its token (shown once).
pub async fn create_private_link(
    db: &impl ConnectionTrait,
    viewer: &Viewer,
    name: Option<&str>,
    filter: crate::store::calendar_subscriptions::SavedFilter,
) -> AppResult<(entity::calendar_subscription::Model, String)> {
    use crate::store::calendar_subscriptions as links;
    // A link reads with its creator's scope, so it needs a person (an API key has none).
    let user_id = viewer.require_person(crate::auth::Task::CreateCalendarLinks)?;
    let name = validate::text("name", name.unwrap_or("Passerelle"), validate::TITLE_MAX)?;
    let id = Uuid::now_v7();
    let kind = match filter.kind() {
        entity::PrivateLinkKind::Calendar => TokenKind::CalendarLink,
        entity::PrivateLinkKind::AddressBook => TokenKind::AddressBookLink,
    };
    let issued = token::issue(kind, id);
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
