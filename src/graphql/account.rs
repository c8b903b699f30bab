//! Accounts, sessions, API keys, the audit log and personal-data requests.

use crate::store::audit::Subject;
use std::sync::Arc;

use async_graphql::{Context, Enum, ID, InputObject, Object, Result, SimpleObject};

use super::enums::mirror_enum;
use crate::graphql::scalars::DateTime;

use super::connection::connection;
use super::connection::page_args;
use super::connection::root_list;
use super::contact::Contact;
use super::error::{IntoGql, alone, parse_id, to_gql};
use super::exec::{changes, db, viewer};
use super::organisation::Organisation;
use super::write::{audit, in_transaction, opt_id};
use crate::auth::accounts;
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

/// An account: a person who signs in. Administrators read every account (`users`); a
/// signed-in person reads their own (`me`). The password's hash never leaves the hub.
#[Object]
impl User {
    /// The account's id (a UUID).
    pub async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }
    /// The e-mail address it signs in with (unique, stored lowercase).
    async fn email(&self) -> &str {
        &self.0.email
    }
    /// The name shown for it (the part of its e-mail before the `@` when none was given).
    async fn display_name(&self) -> &str {
        &self.0.display_name
    }
    /// What it may do.
    async fn role(&self) -> Role {
        self.0.role.into()
    }
    /// The organisation it belongs to (editors and members); null for administrators
    /// without one, and when its organisation was deleted.
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
    /// Whether an administrator disabled it: it cannot sign in, and its sessions ended.
    async fn disabled(&self) -> bool {
        self.0.disabled
    }
    /// When it last signed in; null before its first sign-in.
    async fn last_login_at(&self) -> Option<DateTime> {
        self.0.last_login_at.map(Into::into)
    }
    /// When it was created.
    async fn created_at(&self) -> DateTime {
        self.0.created_at.into()
    }
    /// The language of the account's e-mail.
    async fn locale(&self) -> super::mail::Locale {
        self.0.locale.into()
    }
    /// When the temporary password stops working (null once the account chose its own).
    async fn temporary_password_expires_at(&self) -> Option<DateTime> {
        self.0
            .temporary_password_expires_at
            .filter(|_| self.0.must_change_password)
            .map(Into::into)
    }
}

/// An organisation's key for its own systems. The secret is shown once, at creation.
#[derive(Clone)]
pub struct ApiKey(pub Arc<entity::api_key::Model>);

/// An organisation's key for its own systems, sent as `Authorization: Bearer <secret>`. Its
/// organisation's editors and administrators see and manage its keys; the secret is shown
/// once, at creation, and only its hash is kept.
#[Object]
impl ApiKey {
    /// The key's id (a UUID; not the secret).
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }
    /// What its organisation calls it (`Site web`, `CRM`).
    async fn name(&self) -> &str {
        &self.0.name
    }
    /// What it may do.
    async fn scope(&self) -> ApiKeyScope {
        self.0.scope.into()
    }
    /// The organisation it acts for.
    async fn organisation(&self, ctx: &Context<'_>) -> Result<Option<Organisation>> {
        Ok(super::loaders::loaders(ctx)
            .organisations
            .load_one(self.0.organisation_id)
            .await
            .gql()?
            .map(Organisation))
    }
    /// When it was created.
    async fn created_at(&self) -> DateTime {
        self.0.created_at.into()
    }
    /// When it last authenticated a request; null when never used.
    async fn last_used_at(&self) -> Option<DateTime> {
        self.0.last_used_at.map(Into::into)
    }
    /// When it was revoked (it no longer works); null while it works.
    async fn revoked_at(&self) -> Option<DateTime> {
        self.0.revoked_at.map(Into::into)
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

/// One change recorded in the audit log (administrators only): who, what, when.
#[Object]
impl AuditEntry {
    /// The entry's id (a UUID).
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }
    /// When the change was committed.
    async fn at(&self) -> DateTime {
        self.0.at.into()
    }
    /// `user`, `api_key` or `anonymous`.
    async fn actor_kind(&self) -> &str {
        &self.0.actor_kind
    }
    /// The account's or key's id; null for anonymous callers and the command line.
    async fn actor_id(&self) -> Option<ID> {
        self.0.actor_id.map(|id| ID(id.to_string()))
    }
    /// The account's e-mail, or the key's id, at the time of the change.
    async fn actor_label(&self) -> &str {
        &self.0.actor_label
    }
    /// The type of record changed, as the API names it (`Event`, `Contact`, `Feed`, `User`…);
    /// `contacts`, `events`, `resources` for imports.
    async fn entity_type(&self) -> &str {
        &self.0.entity_type
    }
    /// The record's id; null for changes to many records (imports).
    async fn entity_id(&self) -> Option<ID> {
        self.0.entity_id.map(|id| ID(id.to_string()))
    }
    /// `create`, `update`, `delete`, `login`, …
    async fn operation(&self) -> &str {
        &self.0.operation
    }
    /// The input fields the change set, as the API names them (`title`, `startsAt`); for
    /// imports, the counts (`created:3`, `updated:1`).
    async fn changed_fields(&self) -> &[String] {
        &self.0.changed_fields.0
    }
}

/// What the audit log can be narrowed to; the conditions given all apply.
#[derive(InputObject, Default)]
pub struct AuditLogFilter {
    /// Changes made by this account or key (its id; `BAD_USER_INPUT` when not a UUID).
    pub actor_id: Option<ID>,
    /// Changes to this type of record (`Event`, `Contact`…), as `AuditEntry.entityType`.
    pub entity_type: Option<String>,
    /// Changes to this record (its id; `BAD_USER_INPUT` when not a UUID).
    pub entity_id: Option<ID>,
    /// Changes of this operation (`create`, `update`, `delete`, `login`…).
    pub operation: Option<String>,
    /// Changes at or after this instant (a date alone: from midnight, Paris time).
    pub after_time: Option<DateTime>,
    /// Changes before this instant (a date alone: before midnight, Paris time).
    pub before_time: Option<DateTime>,
}

/// What a list of accounts can be narrowed to; the conditions given all apply.
#[derive(InputObject, Default)]
pub struct UserFilter {
    /// Accounts of this organisation (its id; `BAD_USER_INPUT` when not a UUID).
    pub organisation_id: Option<ID>,
    /// Accounts with this role.
    pub role: Option<Role>,
    /// The account with this e-mail address (compared without regard to case).
    pub email: Option<String>,
}

/// Everything the hub holds about one e-mail address.
#[derive(SimpleObject)]
pub struct PersonalData {
    /// The address asked about, as compared (trimmed and lowercased).
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

    /// Every account, oldest first (administrators only). Null, with a `FORBIDDEN` error at
    /// this field, for anyone else: the rest of the answer stands.
    #[graphql(complexity = "super::connection::page_cost(first, last, child_complexity)")]
    async fn users(
        &self,
        ctx: &Context<'_>,
        #[graphql(
            desc = "Narrows the list (the conditions given all apply); left out, every record the caller may see."
        )]
        filter: Option<UserFilter>,
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
    ) -> Result<Option<UserConnection>> {
        alone(ctx, async {
            viewer(ctx).require_admin(crate::auth::Task::ReadAccounts).gql()?;
            let filter = filter.unwrap_or_default();
            let filter = users::UserFilter {
                organisation_id: opt_id("organisationId", filter.organisation_id).gql()?,
                role: filter.role.map(Into::into),
                email: filter.email,
            };
            let args = page_args(ctx, first, after, last, before);
            root_list(ctx, filter, users::UserSort::CreatedAtAsc, args).await
        })
        .await
    }

    /// The API keys of an organisation, revoked ones included (its editors and
    /// administrators). Null, with a `FORBIDDEN` error at this field naming the organisation,
    /// for anyone else: the rest of the answer stands.
    async fn api_keys(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The organisation's id.")] organisation_id: ID,
    ) -> Result<Option<Vec<ApiKey>>> {
        alone(ctx, async {
            let org = parse_id("organisationId", &organisation_id)?;
            viewer(ctx)
                .require_editor_of(Some(org), crate::auth::Task::ManageApiKeys)
                .gql()?;
            Ok(api_keys::of_organisation(db(ctx), org)
                .await
                .gql()?
                .into_iter()
                .map(|k| ApiKey(Arc::new(k)))
                .collect())
        })
        .await
    }

    /// Every recorded change, newest first (administrators only). Null, with a `FORBIDDEN`
    /// error at this field, for anyone else.
    #[graphql(complexity = "super::connection::page_cost(first, last, child_complexity)")]
    async fn audit_log(
        &self,
        ctx: &Context<'_>,
        #[graphql(
            desc = "Narrows the list (the conditions given all apply); left out, every record the caller may see."
        )]
        filter: Option<AuditLogFilter>,
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
    ) -> Result<Option<AuditEntryConnection>> {
        alone(ctx, async {
            viewer(ctx).require_admin(crate::auth::Task::ReadAuditLog).gql()?;
            let f = filter.unwrap_or_default();
            let filter = store::audit::AuditFilter {
                actor_id: opt_id("actorId", f.actor_id).gql()?,
                entity_type: f.entity_type,
                entity_id: opt_id("entityId", f.entity_id).gql()?,
                operation: f.operation,
                after: f.after_time.map(DateTime::instant),
                before: f.before_time.map(DateTime::instant),
            };
            let args = page_args(ctx, first, after, last, before);
            root_list(ctx, filter, store::audit::AuditSort::AtDesc, args).await
        })
        .await
    }

    /// Everything the hub holds about an e-mail address, to answer a data-subject request
    /// (administrators only; null, with a `FORBIDDEN` error at this field, for anyone else).
    async fn personal_data(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The e-mail address asked about (compared without regard to case).")] email: String,
    ) -> Result<Option<PersonalData>> {
        alone(ctx, async {
            viewer(ctx).require_admin(crate::auth::Task::ReadPersonalData).gql()?;
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
        })
        .await
    }
}

/// What `login` did: a new session.
#[derive(SimpleObject)]
pub struct LoginPayload {
    /// The session's token: send it as `Authorization: Bearer <token>`.
    pub token: String,
    /// When the session ends (12 hours after the sign-in); `logout` ends it sooner.
    pub expires_at: DateTime,
    /// The account signed in.
    pub user: User,
    /// True when the temporary password must be changed before anything else.
    pub must_change_password: bool,
}

/// What `logout` did.
#[derive(SimpleObject)]
pub struct LogoutPayload {
    /// Always true: the session is revoked.
    pub ok: bool,
}

/// What `changePassword` did.
#[derive(SimpleObject)]
pub struct ChangePasswordPayload {
    /// The account, its `mustChangePassword` now false.
    pub user: User,
}

/// A new account.
#[derive(InputObject)]
pub struct CreateUserInput {
    /// The e-mail address it signs in with and receives its invitation at; unique
    /// (`CONFLICT`).
    pub email: String,
    /// The name shown for it, one line of at most 200 characters; default the part of its
    /// e-mail before the `@`.
    pub display_name: Option<String>,
    /// Its organisation: required for editors and members.
    pub organisation_id: Option<ID>,
    /// What it may do.
    pub role: Role,
    /// The language of its e-mail (the invitation first); French by default.
    pub locale: Option<super::mail::Locale>,
}

/// What `createUser` did.
#[derive(SimpleObject)]
pub struct CreateUserPayload {
    /// The account, which must change its temporary password at first sign-in.
    pub user: User,
    /// Shown once: give it to its owner, who must change it at first sign-in.
    pub temporary_password: String,
    /// The invitation e-mail (identifier, temporary password, sign-in link, expiry), queued
    /// with the account: the owner receives the temporary password by mail too.
    pub invitation: super::mail::MailMessage,
}

/// What `resetPassword` did.
#[derive(SimpleObject)]
pub struct ResetPasswordPayload {
    /// The account, signed out everywhere, which must change the new temporary password.
    pub user: User,
    /// The new temporary password, shown once.
    pub temporary_password: String,
    /// The new invitation mailing the new temporary password, queued with the reset (a
    /// waiting older one is cancelled).
    pub invitation: super::mail::MailMessage,
}

/// What `disableUser` or `enableUser` did.
#[derive(SimpleObject)]
pub struct UpdateUserPayload {
    /// The account after the change.
    pub user: User,
}

/// A new API key.
#[derive(InputObject)]
pub struct CreateApiKeyInput {
    /// The organisation it acts for: the caller's (editors) or any (administrators).
    pub organisation_id: ID,
    /// What its organisation calls it, one line of at most 200 characters.
    pub name: String,
    /// What it may do: `READ` acts as a member, `READ_WRITE` as an editor.
    pub scope: ApiKeyScope,
}

/// What `createApiKey` did.
#[derive(SimpleObject)]
pub struct CreateApiKeyPayload {
    /// The key (without its secret).
    pub api_key: ApiKey,
    /// Shown once: send it as `Authorization: Bearer <secret>`.
    pub secret: String,
}

/// What `revokeApiKey` did.
#[derive(SimpleObject)]
pub struct RevokeApiKeyPayload {
    /// The key, with its `revokedAt`.
    pub api_key: ApiKey,
}

#[derive(Default)]
pub struct AccountMutation;

#[Object]
impl AccountMutation {
    /// Signs in with an e-mail and a password and opens a session (logged). A wrong address
    /// or password is `UNAUTHENTICATED`, the same answer after the same work; attempts are
    /// throttled (`RATE_LIMITED` with the wait); a temporary password past its expiry is
    /// `TEMPORARY_PASSWORD_EXPIRED`.
    async fn login(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The account's e-mail address (compared without regard to case).")] email: String,
        #[graphql(desc = "Its password, or the temporary one it was given.")] password: String,
    ) -> Result<LoginPayload> {
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
            expires_at: signed.expires_at.into(),
            must_change_password: signed.user.must_change_password,
            user: User(Arc::new(signed.user)),
        })
    }

    /// Ends the current session at once, on every instance.
    async fn logout(&self, ctx: &Context<'_>) -> Result<LogoutPayload> {
        let viewer = viewer(ctx);
        in_transaction(ctx, async |txn| {
            accounts::logout(txn, viewer).await?;
            audit(txn, viewer, Subject::User, viewer.user_id(), "logout", Vec::new()).await
        })
        .await
        .gql()?;
        if let crate::auth::Actor::User { session_id, .. } = &viewer.actor {
            changes(ctx).sessions().forget_session(*session_id);
        }
        Ok(LogoutPayload { ok: true })
    }

    /// Replaces the caller's password (required after a temporary one); signs out the
    /// account's other sessions.
    async fn change_password(
        &self,
        ctx: &Context<'_>,
        #[graphql(
            desc = "The password in use (or the temporary one); wrong ones are counted and throttled like sign-ins."
        )]
        current_password: String,
        #[graphql(
            desc = "The new password: 12 to 256 characters, not the e-mail, and hard to guess (a zxcvbn score of 3 at least; refused with a French then English reason)."
        )]
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
        changes(ctx).sessions().forget_user(user.id);
        Ok(ChangePasswordPayload {
            user: User(Arc::new(user)),
        })
    }

    /// Creates an account with a temporary password (administrators only), logged, and queues
    /// its invitation e-mail in the same transaction.
    async fn create_user(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The new account.")] input: CreateUserInput,
    ) -> Result<CreateUserPayload> {
        let viewer = viewer(ctx);
        viewer.require_admin(crate::auth::Task::ManageAccounts).gql()?;
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
    async fn reset_password(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The account's id.")] user_id: ID,
    ) -> Result<ResetPasswordPayload> {
        let viewer = viewer(ctx);
        viewer.require_admin(crate::auth::Task::ManageAccounts).gql()?;
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
        changes(ctx).sessions().forget_user(id);
        Ok(ResetPasswordPayload {
            user: User(Arc::new(user)),
            temporary_password,
            invitation: super::mail::MailMessage(Arc::new(invitation)),
        })
    }

    /// Disables an account and signs it out everywhere (admins only).
    async fn disable_user(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The account's id (not the caller's own).")] user_id: ID,
    ) -> Result<UpdateUserPayload> {
        self.set_disabled(ctx, user_id, true).await
    }

    /// Enables a disabled account (admins only).
    async fn enable_user(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The account's id.")] user_id: ID,
    ) -> Result<UpdateUserPayload> {
        self.set_disabled(ctx, user_id, false).await
    }

    /// Creates an API key for an organisation (its editors and administrators; not another
    /// key), logged. The secret is shown once.
    async fn create_api_key(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The new key.")] input: CreateApiKeyInput,
    ) -> Result<CreateApiKeyPayload> {
        let viewer = viewer(ctx);
        let org = parse_id("organisationId", &input.organisation_id)?;
        viewer
            .require_editor_of(Some(org), crate::auth::Task::ManageApiKeys)
            .gql()?;
        viewer.require_person(crate::auth::Task::CreateApiKeys).gql()?;
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

    /// Revokes an API key at once (its organisation's editors and administrators; another
    /// organisation's key is `NOT_FOUND`), logged.
    async fn revoke_api_key(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The key's id.")] id: ID,
    ) -> Result<RevokeApiKeyPayload> {
        let viewer = viewer(ctx);
        viewer.require_signed_in().gql()?;
        let id = parse_id("id", &id)?;
        let key = in_transaction(ctx, async |txn| {
            let key = api_keys::by_id(txn, id).await?.ok_or(AppError::NotFound("API key"))?;
            if viewer
                .require_editor_of(Some(key.organisation_id), crate::auth::Task::ManageApiKeys)
                .is_err()
            {
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
        viewer.require_admin(crate::auth::Task::ManageAccounts).gql()?;
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
        changes(ctx).sessions().forget_user(id);
        Ok(UpdateUserPayload {
            user: User(Arc::new(user)),
        })
    }
}
