use async_graphql::{Context, ID, InputObject, MaybeUndefined, Object, Result, SimpleObject};

use crate::domain::organisation::{OrganisationChange, OrganisationDraft, OrganisationFields, OrganisationPatch};
use crate::error::AppResult;
use crate::graphql::enums::{OrganisationKind, Region};
use crate::graphql::error::{IntoGql, parse_id};
use crate::graphql::exec::viewer;
use crate::graphql::organisation::Organisation;
use crate::graphql::write::{audit, create_record, in_transaction, patch, update_record};
use crate::store::audit::Subject;
use crate::store::organisations;
use crate::store::record;

type Organisations = entity::organisation::Entity;

/// A new organisation. Texts are trimmed; a blank optional text is none.
#[derive(InputObject)]
pub struct CreateOrganisationInput {
    /// Its slug: 2 to 64 lowercase letters or digits in words joined by single hyphens
    /// (`cmq-msi-bfc`); unique (`CONFLICT`).
    pub slug: String,
    /// Its name, one line of 1 to 200 characters; unique whatever its case, accents or
    /// spacing (`CONFLICT`).
    pub name: String,
    /// What it is.
    pub kind: OrganisationKind,
    /// Its région; completed from the postal code or the city when left out.
    pub region: Option<Region>,
    /// Its département code: `01`–`95` (not `20`), `2A`, `2B`, or `971`–`976`; completed
    /// from the postal code or the city when left out.
    pub departement: Option<String>,
    /// Its French postal code: five digits.
    pub postal_code: Option<String>,
    /// Its city, one line of at most 200 characters.
    pub city: Option<String>,
    /// Its website: an absolute http or https URL.
    pub website: Option<String>,
    /// What it does: HTML or plain text, sanitised (see `CreateEventInput.description`).
    pub description: Option<String>,
}

impl CreateOrganisationInput {
    fn into_fields(self) -> AppResult<OrganisationFields> {
        let draft = OrganisationDraft {
            slug: self.slug,
            name: self.name,
            kind: self.kind.into(),
            region: self.region.map(Into::into),
            departement: self.departement,
            postal_code: self.postal_code,
            city: self.city,
            website: self.website,
            description: self.description,
        };
        Ok(OrganisationFields::parse(draft)?)
    }
}

/// A change to an organisation's profile: only the fields given change; `null` clears an
/// optional field and is refused for a required one. Each field follows the rule of its
/// namesake in `CreateOrganisationInput`.
#[derive(InputObject)]
pub struct UpdateOrganisationInput {
    /// The new slug (not null). Links and exports that named the old slug stop finding it.
    pub slug: MaybeUndefined<String>,
    /// The new name (not null).
    pub name: MaybeUndefined<String>,
    /// What it is (not null).
    pub kind: MaybeUndefined<OrganisationKind>,
    /// Its région; null removes it.
    pub region: MaybeUndefined<Region>,
    /// Its département; null removes it.
    pub departement: MaybeUndefined<String>,
    /// A new postal code (or city) places the organisation again: the département and région
    /// not given with it follow the new place; null removes it.
    pub postal_code: MaybeUndefined<String>,
    /// Its city; null removes it.
    pub city: MaybeUndefined<String>,
    /// Its website; null removes it.
    pub website: MaybeUndefined<String>,
    /// What it does; null removes it.
    pub description: MaybeUndefined<String>,
}

impl UpdateOrganisationInput {
    fn apply(self, f: &mut OrganisationFields) -> AppResult<()> {
        let change = OrganisationChange::parse(OrganisationPatch {
            slug: patch(self.slug, Into::into),
            name: patch(self.name, Into::into),
            kind: patch(self.kind, Into::into),
            region: patch(self.region, Into::into),
            departement: patch(self.departement, Into::into),
            postal_code: patch(self.postal_code, Into::into),
            city: patch(self.city, Into::into),
            website: patch(self.website, Into::into),
            description: patch(self.description, Into::into),
        })?;
        change.apply(f);
        Ok(())
    }
}

/// What `createOrganisation` did.
#[derive(SimpleObject)]
pub struct CreateOrganisationPayload {
    /// The organisation as stored.
    pub organisation: Organisation,
}

/// What `updateOrganisation` did.
#[derive(SimpleObject)]
pub struct UpdateOrganisationPayload {
    /// The organisation as stored after the change.
    pub organisation: Organisation,
}

/// What `deleteOrganisation` did.
#[derive(SimpleObject)]
pub struct DeleteOrganisationPayload {
    /// The id of the organisation deleted.
    pub deleted_id: ID,
}

#[derive(Default)]
pub struct OrganisationMutation;

#[Object]
impl OrganisationMutation {
    /// Adds an organisation (administrators only), logged in the audit log.
    async fn create_organisation(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The new organisation.")] input: CreateOrganisationInput,
    ) -> Result<CreateOrganisationPayload> {
        let viewer = viewer(ctx);
        viewer.require_admin(crate::auth::Task::CreateOrganisations).gql()?;
        let fields = input.into_fields().gql()?;
        let model = create_record::<Organisations>(ctx, Subject::Organisation, fields, |v, _| {
            v.require_admin(crate::auth::Task::CreateOrganisations)
        })
        .await
        .gql()?;
        Ok(CreateOrganisationPayload {
            organisation: Organisation(std::sync::Arc::new(model)),
        })
    }

    /// Changes an organisation's profile (its editors, administrators), logged in the audit
    /// log; the search index follows its new name in every record that shows it.
    async fn update_organisation(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The organisation's id.")] id: ID,
        #[graphql(desc = "The fields to change.")] input: UpdateOrganisationInput,
    ) -> Result<UpdateOrganisationPayload> {
        let id = parse_id("id", &id)?;
        // Editors keep their own organisation's profile.
        let model = update_record::<Organisations>(
            ctx,
            Subject::Organisation,
            id,
            |f| input.apply(f),
            |v, before| v.require_editor_of(Some(before.id), crate::auth::Task::ChangeProfile),
            |_, _| Ok(()),
        )
        .await
        .gql()?;
        Ok(UpdateOrganisationPayload {
            organisation: Organisation(std::sync::Arc::new(model)),
        })
    }

    /// Deletes an organisation (administrators only); its contacts, resources and events are
    /// kept without organisation, and so are its accounts; its API keys and feeds are
    /// deleted. Refused (`CONFLICT`) while it still owns actions.
    async fn delete_organisation(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The organisation's id.")] id: ID,
    ) -> Result<DeleteOrganisationPayload> {
        let uuid = parse_id("id", &id)?;
        let viewer = viewer(ctx);
        viewer.require_admin(crate::auth::Task::DeleteOrganisations).gql()?;
        in_transaction(ctx, async |txn| {
            organisations::ensure_deletable(txn, uuid).await?;
            record::delete::<Organisations>(txn, viewer.scope(), uuid, |_| Ok(())).await?;
            audit(txn, viewer, Subject::Organisation, Some(uuid), "delete", Vec::new()).await
        })
        .await
        .gql()?;
        Ok(DeleteOrganisationPayload { deleted_id: id })
    }
}
