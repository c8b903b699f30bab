//! Queueing messages in the writer's transaction: each function takes the transaction of
//! what causes the message, so that the message exists exactly when its cause is committed.

use std::str::FromStr;

use chrono::{DateTime, Utc};
use entity::{MailKind, user};
use sea_orm::ConnectionTrait;

use super::compose::{self, InvitationParams, NoticeParams};
use crate::error::{AppError, AppResult};
use crate::store::{self, mail::NewMail};

/// Whether lettre can write `email` as a recipient: an account it could not reach is refused
/// when it is created, not found out when its invitation fails.
pub fn check_address(field: &str, email: &str) -> AppResult<()> {
    lettre::Address::from_str(email.trim()).map(|_| ()).map_err(|_| {
        AppError::bad_input(
            field,
            format!("{field} : cette adresse ne peut pas recevoir de courriel / {field} cannot receive e-mail"),
        )
    })
}

/// The name of the organisation an account belongs to.
pub async fn organisation_name(
    db: &impl ConnectionTrait,
    organisation_id: Option<uuid::Uuid>,
) -> AppResult<Option<String>> {
    let ids: Vec<uuid::Uuid> = organisation_id.into_iter().collect();
    Ok(store::digests::organisation_names(db, &ids).await?.into_values().next())
}

/// Queues the invitation of `user` with its temporary password (`renewed`: issued again by an
/// administrator). A waiting invitation of the account is cancelled: its password no longer
/// works. Returns the queued message.
pub async fn invitation(
    db: &impl ConnectionTrait,
    user: &user::Model,
    temporary_password: &str,
    renewed: bool,
) -> AppResult<entity::mail_outbox::Model> {
    check_address("email", &user.email)?;
    store::mail::cancel_waiting(
        db,
        user.id,
        MailKind::Invitation,
        "remplacée par une invitation plus récente / superseded by a newer invitation",
    )
    .await?;
    let expires_at = user.temporary_password_expires_at.unwrap_or_else(|| {
        store::now() + chrono::Duration::days(i64::from(crate::auth::accounts::DEFAULT_TEMPORARY_DAYS))
    });
    let params = InvitationParams {
        email: user.email.clone(),
        display_name: user.display_name.clone(),
        organisation: organisation_name(db, user.organisation_id).await?,
        role: user.role,
        expires_at,
        renewed,
    };
    store::mail::enqueue(
        db,
        NewMail {
            kind: MailKind::Invitation,
            recipient: user.email.clone(),
            user_id: Some(user.id),
            locale: user.locale,
            subject: compose::invitation_subject(user.locale, &params),
            params: serde_json::to_value(&params).map_err(AppError::internal)?,
            secret: Some(temporary_password.to_string()),
            dedupe_key: None,
            expires_at: Some(expires_at),
            cancelled: None,
        },
    )
    .await
}

/// Queues the notice that `user`'s password was changed at `at`. Waiting invitations are
/// cancelled: their temporary password no longer works.
pub async fn password_changed(db: &impl ConnectionTrait, user: &user::Model, at: DateTime<Utc>) -> AppResult<()> {
    store::mail::cancel_waiting(
        db,
        user.id,
        MailKind::Invitation,
        "le mot de passe a été choisi entre-temps / the password was chosen meanwhile",
    )
    .await?;
    let params = NoticeParams {
        email: user.email.clone(),
        display_name: user.display_name.clone(),
        organisation: organisation_name(db, user.organisation_id).await?,
        changed_at: at,
    };
    store::mail::enqueue(
        db,
        NewMail {
            kind: MailKind::PasswordChanged,
            recipient: user.email.clone(),
            user_id: Some(user.id),
            locale: user.locale,
            subject: compose::notice_subject(user.locale),
            params: serde_json::to_value(&params).map_err(AppError::internal)?,
            secret: None,
            dedupe_key: None,
            expires_at: None,
            cancelled: None,
        },
    )
    .await?;
    Ok(())
}
