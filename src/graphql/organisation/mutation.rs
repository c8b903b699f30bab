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

#[derive(InputObject)]
pub struct CreateOrganisationInput {
    pub slug: String,
    pub name: String,
    pub kind: OrganisationKind,
    /// Filled from the postal code or city when left out.
    pub region: Option<Region>,
    /// Filled from the postal code or city when left out.
    pub departement: Option<String>,
    pub postal_code: Option<String>,
    pub city: Option<String>,
    pub website: Option<String>,
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

/// Only the fields given change; `null` clears an optional field.
#[derive(InputObject)]
pub struct UpdateOrganisationInput {
    pub slug: MaybeUndefined<String>,
    pub name: MaybeUndefined<String>,
    pub kind: MaybeUndefined<OrganisationKind>,
    pub region: MaybeUndefined<Region>,
    pub departement: MaybeUndefined<String>,
    /// A new postal code (or city) places the organisation again: the département and région
    /// not given with it follow the new place.
    pub postal_code: MaybeUndefined<String>,
    pub city: MaybeUndefined<String>,
    pub website: MaybeUndefined<String>,
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

#[derive(SimpleObject)]
pub struct CreateOrganisationPayload {
    pub organisation: Organisation,
}

#[derive(SimpleObject)]
pub struct UpdateOrganisationPayload {
    pub organisation: Organisation,
}

#[derive(SimpleObject)]
pub struct DeleteOrganisationPayload {
    pub deleted_id: ID,
}

#[derive(Default)]
pub struct OrganisationMutation;

#[Object]
impl OrganisationMutation {
    async fn create_organisation(
        &self,
        ctx: &Context<'_>,
        input: CreateOrganisationInput,
    ) -> Result<CreateOrganisationPayload> {
        let viewer = viewer(ctx);
        viewer.require_admin().gql()?;
        let fields = input.into_fields().gql()?;
        let model = create_record::<Organisations>(ctx, Subject::Organisation, fields, |v, _| v.require_admin())
            .await
            .gql()?;
        Ok(CreateOrganisationPayload {
            organisation: Organisation(std::sync::Arc::new(model)),
        })
    }

    async fn update_organisation(
        &self,
        ctx: &Context<'_>,
        id: ID,
        input: UpdateOrganisationInput,
    ) -> Result<UpdateOrganisationPayload> {
        let id = parse_id("id", &id)?;
        // Editors keep their own organisation's profile.
        let model = update_record::<Organisations>(
            ctx,
            Subject::Organisation,
            id,
            |f| input.apply(f),
            |v, before| v.require_editor_of(Some(before.id)),
            |_, _| Ok(()),
        )
        .await
        .gql()?;
        Ok(UpdateOrganisationPayload {
            organisation: Organisation(std::sync::Arc::new(model)),
        })
    }

    /// Deletes an organisation; its contacts, resources and events are kept without
    /// organisation. Refused (`CONFLICT`) while it still owns actions.
    async fn delete_organisation(&self, ctx: &Context<'_>, id: ID) -> Result<DeleteOrganisationPayload> {
        let uuid = parse_id("id", &id)?;
        let viewer = viewer(ctx);
        viewer.require_admin().gql()?;
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
