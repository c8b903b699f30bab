//! Accounts, sessions, API keys, the audit log and personal-data requests.

use crate::store::audit::Subject;
use std::sync::Arc;

use async_graphql::{Context, Enum, ID, InputObject, Object, Result, SimpleObject};

use super::enums::mirror_enum;
use chrono::{DateTime, Utc};

use super::connection::connection;
use super::connection::page_args;
use super::connection::root_list;
use super::contact::Contact;
use super::error::{IntoGql, parse_id, to_gql};
use super::exec::{db, viewer};
use super::organisation::Organisation;
use super::write::{audit, in_transaction, opt_id};
use crate::auth::{Actor, accounts};
use crate::error::AppError;
use crate::store::{self, api_keys, users};

mirror_enum!(
    /// What an account may do.
    Role = entity::Role {
        /// The whole hub.
        Admin,
        /// Its own organisation's profile, contacts, resources, events, actions and feeds.
        Editor,
        /// A partner: reads partner-level data and writes experience reports.
        Member,
    }
);

mirror_enum!(
    /// What an API key may do.
    ApiKeyScope = entity::ApiKeyScope {
        /// Reads as a member of its organisation.
        Read,
        /// Reads and writes as an editor of its organisation.
        ReadWrite,
    }
);

/// An account. Its password hash never leaves the hub.
#[derive(Clone)]
pub struct User(pub Arc<entity::user::Model>);

connection!(UserConnection, UserEdge, User, entity::user::Model);

#[Object]
impl User {
    pub async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }
    async fn email(&self) -> &str {
        &self.0.email
    }
    async fn display_name(&self) -> &str {
        &self.0.display_name
    }
    async fn role(&self) -> Role {
        self.0.role.into()
    }
    async fn organisation(&self, ctx: &Context<'_>) -> Result<Option<Organisation>> {
        let Some(id) = self.0.organisation_id else {
            return Ok(None);
        };
        Ok(super::loaders::loaders(ctx)
            .organisations
            .load_one(id)
            .await
            .gql()?
            .map(Organisation))
    }
    /// True until the temporary password is changed.
    async fn must_change_password(&self) -> bool {
        self.0.must_change_password
    }
    async fn disabled(&self) -> bool {
        self.0.disabled
    }
    async fn last_login_at(&self) -> Option<DateTime<Utc>> {
        self.0.last_login_at
    }
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
    /// The language of the account's e-mail.
    async fn locale(&self) -> super::mail::Locale {
        self.0.locale.into()
    }
    /// When the temporary password stops working (null once the account chose its own).
    async fn temporary_password_expires_at(&self) -> Option<DateTime<Utc>> {
        self.0
            .temporary_password_expires_at
            .filter(|_| self.0.must_change_password)
    }
}

/// An organisation's key for its own systems. The secret is shown once, at creation.
#[derive(Clone)]
pub struct ApiKey(pub Arc<entity::api_key::Model>);

#[Object]
impl ApiKey {
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }
    async fn name(&self) -> &str {
        &self.0.name
    }
    async fn scope(&self) -> ApiKeyScope {
        self.0.scope.into()
    }
    async fn organisation(&self, ctx: &Context<'_>) -> Result<Option<Organisation>> {
        Ok(super::loaders::loaders(ctx)
            .organisations
            .load_one(self.0.organisation_id)
            .await
            .gql()?
            .map(Organisation))
    }
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
    async fn last_used_at(&self) -> Option<DateTime<Utc>> {
        self.0.last_used_at
    }
    async fn revoked_at(&self) -> Option<DateTime<Utc>> {
        self.0.revoked_at
    }
}

/// One change recorded in the audit log.
#[derive(Clone)]
pub struct AuditEntry(pub Arc<entity::audit_entry::Model>);

connection!(
    AuditEntryConnection,
    AuditEntryEdge,
    AuditEntry,
    entity::audit_entry::Model
);

#[Object]
impl AuditEntry {
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }
    async fn at(&self) -> DateTime<Utc> {
        self.0.at
    }
    /// `user`, `api_key` or `anonymous`.
    async fn actor_kind(&self) -> &str {
        &self.0.actor_kind
    }
    async fn actor_id(&self) -> Option<ID> {
        self.0.actor_id.map(|id| ID(id.to_string()))
    }
    /// The account's e-mail, or the key's id, at the time of the change.
    async fn actor_label(&self) -> &str {
        &self.0.actor_label
    }
    async fn entity_type(&self) -> &str {
        &self.0.entity_type
    }
    async fn entity_id(&self) -> Option<ID> {
        self.0.entity_id.map(|id| ID(id.to_string()))
    }
    /// `create`, `update`, `delete`, `login`, …
    async fn operation(&self) -> &str {
        &self.0.operation
    }
    async fn changed_fields(&self) -> &[String] {
        &self.0.changed_fields.0
    }
}

#[derive(InputObject, Default)]
pub struct AuditLogFilter {
    pub actor_id: Option<ID>,
    pub entity_type: Option<String>,
    pub entity_id: Option<ID>,
    pub operation: Option<String>,
    /// Changes at or after this instant.
    pub after_time: Option<DateTime<Utc>>,
    /// Changes before this instant.
    pub before_time: Option<DateTime<Utc>>,
}

#[derive(InputObject, Default)]
pub struct UserFilter {
    pub organisation_id: Option<ID>,
    pub role: Option<Role>,
    pub email: Option<String>,
}

/// Everything the hub holds about one e-mail address.
#[derive(SimpleObject)]
pub struct PersonalData {
    pub email: String,
    /// Accounts with this address.
    pub users: Vec<User>,
    /// Address-book entries with this address.
    pub contacts: Vec<Contact>,
    /// Changes made by those accounts (their most recent 500).
    pub audit_entries: Vec<AuditEntry>,
    /// Messages to this address the mail outbox still keeps (settled ones 30 days; never
    /// what they delivered).
    pub mail_messages: Vec<super::mail::MailMessage>,
}

#[derive(Default)]
pub struct AccountQuery;

#[Object]
impl AccountQuery {
    /// The signed-in account (null for anonymous callers and API keys).
    async fn me(&self, ctx: &Context<'_>) -> Result<Option<User>> {
        let Some(id) = viewer(ctx).user_id() else {
            return Ok(None);
        };
        Ok(users::by_id(db(ctx), id).await.gql()?.map(|u| User(Arc::new(u))))
    }

    /// Accounts (admins only).
    #[graphql(complexity = "super::connection::page_cost(first, last, child_complexity)")]
    async fn users(
        &self,
        ctx: &Context<'_>,
        filter: Option<UserFilter>,
        first: Option<i32>,
        after: Option<String>,
        last: Option<i32>,
        before: Option<String>,
    ) -> Result<UserConnection> {
        viewer(ctx).require_admin().gql()?;
        let filter = filter.unwrap_or_default();
        let filter = users::UserFilter {
            organisation_id: opt_id("organisationId", filter.organisation_id).gql()?,
            role: filter.role.map(Into::into),
            email: filter.email,
        };
        let args = page_args(ctx, first, after, last, before);
        root_list(ctx, filter, users::UserSort::CreatedAtAsc, args).await
    }

    /// The API keys of an organisation (its editors and admins).
    async fn api_keys(&self, ctx: &Context<'_>, organisation_id: ID) -> Result<Vec<ApiKey>> {
        let org = parse_id("organisationId", &organisation_id)?;
        viewer(ctx).require_editor_of(Some(org)).gql()?;
        Ok(api_keys::of_organisation(db(ctx), org)
            .await
            .gql()?
            .into_iter()
            .map(|k| ApiKey(Arc::new(k)))
            .collect())
    }

    /// Every recorded change, newest first (admins only).
    #[graphql(complexity = "super::connection::page_cost(first, last, child_complexity)")]
    async fn audit_log(
        &self,
        ctx: &Context<'_>,
        filter: Option<AuditLogFilter>,
        first: Option<i32>,
        after: Option<String>,
        last: Option<i32>,
        before: Option<String>,
    ) -> Result<AuditEntryConnection> {
        viewer(ctx).require_admin().gql()?;
        let f = filter.unwrap_or_default();
        let filter = store::audit::AuditFilter {
            actor_id: opt_id("actorId", f.actor_id).gql()?,
            entity_type: f.entity_type,
            entity_id: opt_id("entityId", f.entity_id).gql()?,
            operation: f.operation,
            after: f.after_time,
            before: f.before_time,
        };
        let args = page_args(ctx, first, after, last, before);
        root_list(ctx, filter, store::audit::AuditSort::AtDesc, args).await
    }

    /// Everything the hub holds about an e-mail address, to answer a data-subject request
    /// (admins only).
    async fn personal_data(&self, ctx: &Context<'_>, email: String) -> Result<PersonalData> {
        viewer(ctx).require_admin().gql()?;
        let db = db(ctx);
        let email = users::normalise_email(&email);
        let accounts: Vec<entity::user::Model> = users::by_email(db, &email).await.gql()?.into_iter().collect();
        let contacts = store::contacts::by_email(db, &email).await.gql()?;
        let mut audit_entries = Vec::new();
        for account in &accounts {
            let filter = store::audit::AuditFilter {
                actor_id: Some(account.id),
                ..Default::default()
            };
            let args = crate::store::page::PageArgs {
                first: Some(100),
                ..Default::default()
            };
            let mut page = store::list::Filter::list(&filter, db, store::audit::AuditSort::AtDesc, &args)
                .await
                .gql()?;
            audit_entries.extend(page.rows.drain(..).map(AuditEntry));
        }
        let mail_messages = store::mail::to_recipient(db, &email)
            .await
            .gql()?
            .into_iter()
            .map(|m| super::mail::MailMessage(Arc::new(m)))
            .collect();
        Ok(PersonalData {
            mail_messages,
            email,
            users: accounts.into_iter().map(|u| User(Arc::new(u))).collect(),
            contacts: contacts.into_iter().map(|c| Contact(Arc::new(c))).collect(),
            audit_entries,
        })
    }
}

#[derive(SimpleObject)]
pub struct LoginPayload {
    /// Send it as `Authorization: Bearer <token>`.
    pub token: String,
    pub expires_at: DateTime<Utc>,
    pub user: User,
    /// True when the temporary password must be changed before anything else.
    pub must_change_password: bool,
}

#[derive(SimpleObject)]
pub struct LogoutPayload {
    pub ok: bool,
}

#[derive(SimpleObject)]
pub struct ChangePasswordPayload {
    pub user: User,
}

#[derive(InputObject)]
pub struct CreateUserInput {
    pub email: String,
    pub display_name: Option<String>,
    /// Required for editors and members.
    pub organisation_id: Option<ID>,
    pub role: Role,
    /// The language of its e-mail (the invitation first); French by default.
    pub locale: Option<super::mail::Locale>,
}

#[derive(SimpleObject)]
pub struct CreateUserPayload {
    pub user: User,
    /// Shown once: give it to its owner, who must change it at first sign-in.
    pub temporary_password: String,
    /// The invitation e-mail (identifier, temporary password, sign-in link, expiry), queued
    /// with the account: the owner receives the temporary password by mail too.
    pub invitation: super::mail::MailMessage,
}

#[derive(SimpleObject)]
pub struct ResetPasswordPayload {
    pub user: User,
    /// Shown once.
    pub temporary_password: String,
    /// The new invitation mailing the new temporary password, queued with the reset (a
    /// waiting older one is cancelled).
    pub invitation: super::mail::MailMessage,
}

#[derive(SimpleObject)]
pub struct UpdateUserPayload {
    pub user: User,
}

#[derive(InputObject)]
pub struct CreateApiKeyInput {
    pub organisation_id: ID,
    pub name: String,
    pub scope: ApiKeyScope,
}

#[derive(SimpleObject)]
pub struct CreateApiKeyPayload {
    pub api_key: ApiKey,
    /// Shown once: send it as `Authorization: Bearer <secret>`.
    pub secret: String,
}

#[derive(SimpleObject)]
pub struct RevokeApiKeyPayload {
    pub api_key: ApiKey,
}

#[derive(Default)]
pub struct AccountMutation;

#[Object]
impl AccountMutation {
    /// Signs in with an e-mail and a password.
    async fn login(&self, ctx: &Context<'_>, email: String, password: String) -> Result<LoginPayload> {
        let client = super::exec::client_address(ctx);
        // Throttling counts survive a failed sign-in, so this runs outside a transaction.
        let signed = accounts::login(db(ctx), &email, &password, client).await.gql()?;
        store::audit::write(
            db(ctx),
            store::audit::Entry {
                actor: store::audit::Actor::User {
                    id: signed.user.id,
                    email: signed.user.email.clone(),
                },
                subject: Subject::User,
                entity_id: Some(signed.user.id),
                operation: "login",
                changed_fields: Vec::new(),
            },
        )
        .await
        .gql()?;
        Ok(LoginPayload {
            token: signed.token,
            expires_at: signed.expires_at,
            must_change_password: signed.user.must_change_password,
            user: User(Arc::new(signed.user)),
        })
    }

    /// Ends the current session.
    async fn logout(&self, ctx: &Context<'_>) -> Result<LogoutPayload> {
        let viewer = viewer(ctx);
        in_transaction(ctx, async |txn| {
            accounts::logout(txn, viewer).await?;
            audit(txn, viewer, Subject::User, viewer.user_id(), "logout", Vec::new()).await
        })
        .await
        .gql()?;
        Ok(LogoutPayload { ok: true })
    }

    /// Replaces the caller's password (required after a temporary one); signs out the
    /// account's other sessions.
    async fn change_password(
        &self,
        ctx: &Context<'_>,
        current_password: String,
        new_password: String,
    ) -> Result<ChangePasswordPayload> {
        let viewer = viewer(ctx);
        accounts::check_new_password(db(ctx), viewer, &current_password, &new_password)
            .await
            .gql()?;
        accounts::count_password_change(db(ctx), viewer).await.gql()?;
        let user = in_transaction(ctx, async |txn| {
            let user = accounts::change_password(txn, viewer, &current_password, &new_password).await?;
            // A waiting invitation would deliver a temporary password that no longer works.
            crate::store::mail::cancel_waiting(
                txn,
                user.id,
                entity::MailKind::Invitation,
                "le mot de passe a été choisi entre-temps / the password was chosen meanwhile",
            )
            .await?;
            audit(txn, viewer, Subject::User, Some(user.id), "change_password", Vec::new()).await?;
            Ok(user)
        })
        .await
        .gql()?;
        Ok(ChangePasswordPayload {
            user: User(Arc::new(user)),
        })
    }

    /// Creates an account with a temporary password (admins only).
    async fn create_user(&self, ctx: &Context<'_>, input: CreateUserInput) -> Result<CreateUserPayload> {
        let viewer = viewer(ctx);
        viewer.require_admin().gql()?;
        let org = opt_id("organisationId", input.organisation_id).gql()?;
        let policy = super::exec::mail_policy(ctx);
        let (user, temporary_password, invitation) = in_transaction(ctx, async |txn| {
            crate::mail::queue::check_address("email", &input.email)?;
            let new = accounts::NewAccount {
                email: &input.email,
                display_name: input.display_name.as_deref(),
                organisation_id: org,
                role: input.role.into(),
                locale: input.locale.map_or(entity::Locale::Fr, Into::into),
                temporary_days: policy.temporary_password_days,
            };
            let (user, temporary) = accounts::create_account(txn, new).await?;
            // In the account's transaction: no account without its invitation, and no
            // invitation for an account that was not created.
            let invitation = crate::mail::queue::invitation(txn, &user, &temporary, false).await?;
            let fields = vec![
                "email".into(),
                "displayName".into(),
                "organisationId".into(),
                "role".into(),
                "locale".into(),
            ];
            audit(txn, viewer, Subject::User, Some(user.id), "create", fields).await?;
            Ok((user, temporary, invitation))
        })
        .await
        .gql()?;
        Ok(CreateUserPayload {
            user: User(Arc::new(user)),
            temporary_password,
            invitation: super::mail::MailMessage(Arc::new(invitation)),
        })
    }

    /// Gives an account a new temporary password and signs it out (admins only).
    async fn reset_password(&self, ctx: &Context<'_>, user_id: ID) -> Result<ResetPasswordPayload> {
        let viewer = viewer(ctx);
        viewer.require_admin().gql()?;
        let id = parse_id("userId", &user_id)?;
        let days = super::exec::mail_policy(ctx).temporary_password_days;
        let (user, temporary_password, invitation) = in_transaction(ctx, async |txn| {
            let (user, temporary) = accounts::renew_temporary_password(txn, id, days).await?;
            let invitation = crate::mail::queue::invitation(txn, &user, &temporary, true).await?;
            audit(txn, viewer, Subject::User, Some(id), "reset_password", Vec::new()).await?;
            Ok((user, temporary, invitation))
        })
        .await
        .gql()?;
        Ok(ResetPasswordPayload {
            user: User(Arc::new(user)),
            temporary_password,
            invitation: super::mail::MailMessage(Arc::new(invitation)),
        })
    }

    /// Disables an account and signs it out everywhere (admins only).
    async fn disable_user(&self, ctx: &Context<'_>, user_id: ID) -> Result<UpdateUserPayload> {
        self.set_disabled(ctx, user_id, true).await
    }

    /// Enables a disabled account (admins only).
    async fn enable_user(&self, ctx: &Context<'_>, user_id: ID) -> Result<UpdateUserPayload> {
        self.set_disabled(ctx, user_id, false).await
    }

    /// Creates an API key for an organisation (its editors and admins). The secret is shown once.
    async fn create_api_key(&self, ctx: &Context<'_>, input: CreateApiKeyInput) -> Result<CreateApiKeyPayload> {
        let viewer = viewer(ctx);
        let org = parse_id("organisationId", &input.organisation_id)?;
        viewer.require_editor_of(Some(org)).gql()?;
        if matches!(viewer.actor, Actor::ApiKey { .. }) {
            return Err(to_gql(AppError::Forbidden));
        }
        let (key, secret) = in_transaction(ctx, async |txn| {
            let created = accounts::create_api_key(txn, viewer, org, &input.name, input.scope.into()).await?;
            let fields = vec!["organisationId".into(), "name".into(), "scope".into()];
            audit(txn, viewer, Subject::ApiKey, Some(created.0.id), "create", fields).await?;
            Ok(created)
        })
        .await
        .gql()?;
        Ok(CreateApiKeyPayload {
            api_key: ApiKey(Arc::new(key)),
            secret,
        })
    }

    /// Revokes an API key at once (its organisation's editors and admins).
    async fn revoke_api_key(&self, ctx: &Context<'_>, id: ID) -> Result<RevokeApiKeyPayload> {
        let viewer = viewer(ctx);
        viewer.require_signed_in().gql()?;
        let id = parse_id("id", &id)?;
        let key = in_transaction(ctx, async |txn| {
            let key = api_keys::by_id(txn, id).await?.ok_or(AppError::NotFound("API key"))?;
            if viewer.require_editor_of(Some(key.organisation_id)).is_err() {
                // Another organisation's keys behave as absent.
                return Err(AppError::NotFound("API key"));
            }
            let key = api_keys::revoke(txn, id).await?;
            audit(txn, viewer, Subject::ApiKey, Some(id), "revoke", Vec::new()).await?;
            Ok(key)
        })
        .await
        .gql()?;
        Ok(RevokeApiKeyPayload {
            api_key: ApiKey(Arc::new(key)),
        })
    }
}

impl AccountMutation {
    async fn set_disabled(&self, ctx: &Context<'_>, user_id: ID, disabled: bool) -> Result<UpdateUserPayload> {
        let viewer = viewer(ctx);
        viewer.require_admin().gql()?;
        let id = parse_id("userId", &user_id)?;
        if viewer.user_id() == Some(id) && disabled {
            return Err(to_gql(AppError::bad_input(
                "userId",
                "you cannot disable your own account",
            )));
        }
        let user = in_transaction(ctx, async |txn| {
            let user = accounts::set_disabled(txn, id, disabled).await?;
            let op = if disabled { "disable" } else { "enable" };
            audit(txn, viewer, Subject::User, Some(id), op, Vec::new()).await?;
            Ok(user)
        })
        .await
        .gql()?;
        Ok(UpdateUserPayload {
            user: User(Arc::new(user)),
        })
    }
}
