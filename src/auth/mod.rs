//! Who is calling, and what they may do: passwords, tokens, the viewer and its rights, and
//! the account operations built on them.

pub mod accounts;
pub mod password;
pub mod token;
pub mod viewer;

use sea_orm::DatabaseConnection;

pub use viewer::{Actor, Viewer};

use crate::error::{AppError, AppResult};
use crate::store::{api_keys, sessions, users};
use token::TokenKind;

/// Finds the caller from an `Authorization` header: none is anonymous; a bad, expired or
/// revoked token is `UNAUTHENTICATED` (never silently anonymous).
pub async fn authenticate(db: &DatabaseConnection, authorization: Option<&str>) -> AppResult<Viewer> {
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
            let session = sessions::live(db, presented.id, now)
                .await?
                .ok_or(AppError::Unauthenticated)?;
            if !presented.matches(&session.secret_hash) {
                return Err(AppError::Unauthenticated);
            }
            let user = users::by_id(db, session.user_id)
                .await?
                .filter(|u| !u.disabled)
                .ok_or(AppError::Unauthenticated)?;
            sessions::touch(db, &session, now).await?;
            Ok(Viewer {
                actor: Actor::User {
                    id: user.id,
                    email: user.email,
                    role: user.role,
                    organisation_id: user.organisation_id,
                    must_change_password: user.must_change_password,
                    session_id: session.id,
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
    }
}
