//! Who is calling, and what they may do: passwords, tokens, the viewer and its rights, and
//! the account operations built on them.

pub mod accounts;
pub mod cache;
pub mod denial;
pub mod password;
pub mod reset;
pub mod token;
pub mod viewer;

use sea_orm::DatabaseConnection;

pub use cache::SessionCache;
pub use denial::{Denial, Task};
pub use viewer::{Actor, Viewer};

use crate::error::{AppError, AppResult};
use crate::store::{api_keys, calendar_subscriptions, sessions, users};
use token::TokenKind;

/// Finds the caller from an `Authorization` header: none is anonymous; a bad, expired or
/// revoked token is `UNAUTHENTICATED` (never silently anonymous). A session seen lately is
/// answered from `recent` when nothing about it changed since (see `auth::cache`).
pub async fn authenticate(
    db: &DatabaseConnection,
    recent: &SessionCache,
    authorization: Option<&str>,
) -> AppResult<Viewer> {
    let Some(header) = authorization.map(str::trim).filter(|h| !h.is_empty()) else {
        return Ok(Viewer::anonymous());
    };
    let (scheme, credentials) = header.split_once(' ').ok_or(AppError::Unauthenticated)?;
    if !scheme.eq_ignore_ascii_case("bearer") {
        return Err(AppError::Unauthenticated);
    }
    let presented = token::parse(credentials).ok_or(AppError::Unauthenticated)?;
    let now = crate::store::now();
    match presented.kind {
        TokenKind::Session => {
            let entry = match recent.get(presented.id, now) {
                Some(entry) => entry,
                None => {
                    let generation = recent.generation();
                    // One read: the session and its account together.
                    let (session, user) = sessions::live_with_user(db, presented.id, now)
                        .await?
                        .ok_or(AppError::Unauthenticated)?;
                    if user.disabled {
                        return Err(AppError::Unauthenticated);
                    }
                    let entry = cache::Entry {
                        session_id: session.id,
                        user_id: user.id,
                        secret_hash: session.secret_hash,
                        expires_at: session.expires_at,
                        last_used_at: session.last_used_at,
                        email: user.email,
                        role: user.role,
                        organisation_id: user.organisation_id,
                        must_change_password: user.must_change_password,
                    };
                    // Kept even when the secret presented is wrong: the next guess is checked
                    // against the same stored hash, without a read.
                    recent.insert(generation, entry.clone());
                    entry
                }
            };
            if !presented.matches(&entry.secret_hash) {
                return Err(AppError::Unauthenticated);
            }
            if sessions::touch(db, entry.session_id, entry.last_used_at, now).await? {
                recent.used(entry.session_id, now);
            }
            Ok(Viewer {
                actor: Actor::User {
                    id: entry.user_id,
                    email: entry.email,
                    role: entry.role,
                    organisation_id: entry.organisation_id,
                    must_change_password: entry.must_change_password,
                    session_id: entry.session_id,
                },
            })
        }
        TokenKind::ApiKey => {
            let key = api_keys::by_id(db, presented.id)
                .await?
                .filter(|k| k.revoked_at.is_none())
                .ok_or(AppError::Unauthenticated)?;
            if !presented.matches(&key.secret_hash) {
                return Err(AppError::Unauthenticated);
            }
            api_keys::touch(db, &key, now).await?;
            Ok(Viewer {
                actor: Actor::ApiKey {
                    id: key.id,
                    organisation_id: key.organisation_id,
                    scope: key.scope,
                },
            })
        }
        // A calendar or address-book link opens its calendar or address book only, a reset
        // link sets a password only: none opens the API.
        TokenKind::CalendarLink | TokenKind::AddressBookLink | TokenKind::PasswordReset => {
            Err(AppError::Unauthenticated)
        }
    }
}

/// Opens a private link of `kind` (a calendar, an address book): the link and its creator as
/// they read now. `None` when the token is not a live link of that kind, or its creator's
/// account is disabled or gone.
pub async fn private_link(
    db: &DatabaseConnection,
    text: &str,
    kind: entity::PrivateLinkKind,
) -> AppResult<Option<(entity::calendar_subscription::Model, Viewer)>> {
    let token_kind = match kind {
        entity::PrivateLinkKind::Calendar => TokenKind::CalendarLink,
        entity::PrivateLinkKind::AddressBook => TokenKind::AddressBookLink,
    };
    let Some(presented) = token::parse(text).filter(|p| p.kind == token_kind) else {
        return Ok(None);
    };
    let Some(link) = calendar_subscriptions::by_id(db, presented.id)
        .await?
        .filter(|l| l.kind == kind && l.revoked_at.is_none() && presented.matches(&l.secret_hash))
    else {
        return Ok(None);
    };
    let Some(user) = users::by_id(db, link.user_id).await?.filter(|u| !u.disabled) else {
        return Ok(None);
    };
    calendar_subscriptions::touch(db, &link, crate::store::now()).await?;
    let viewer = Viewer {
        actor: Actor::User {
            id: user.id,
            email: user.email,
            role: user.role,
            organisation_id: user.organisation_id,
            must_change_password: false,
            // No session: the link itself is the credential.
            session_id: uuid::Uuid::nil(),
        },
    };
    Ok(Some((link, viewer)))
}
