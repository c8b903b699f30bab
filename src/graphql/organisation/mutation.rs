use async_graphql::{Context, ID, InputObject, MaybeUndefined, Object, Result, SimpleObject};

use crate::domain::validate as v;
use crate::error::AppResult;
use crate::graphql::enums::{OrganisationKind, Region};
use crate::graphql::error::{IntoGql, parse_id};
use crate::graphql::exec::viewer;
use crate::graphql::organisation::Organisation;
use crate::graphql::write::{audit, create_record, in_transaction, same, set, set_opt, update_record};
use crate::store::audit::Subject;
use crate::store::organisations::{self, OrganisationFields};
use crate::store::record;

type Organisations = entity::organisation::Entity;

#[derive(InputObject)]
pub struct CreateOrganisationInput {
    pub slug: String,
    pub name: String,
    pub kind: OrganisationKind,
    pub region: Option<Region>,
    pub departement: Option<String>,
    pub city: Option<String>,
    pub website: Option<String>,
    pub description: Option<String>,
}

impl CreateOrganisationInput {
    fn into_fields(self) -> AppResult<OrganisationFields> {
        Ok(OrganisationFields {
            slug: v::slug("slug", &self.slug)?,
            name: v::text("name", &self.name, v::TITLE_MAX)?,
            kind: self.kind.into(),
            region: self.region.map(Into::into),
            departement: v::opt_departement("departement", self.departement)?,
            city: v::opt_text("city", self.city, v::TITLE_MAX)?,
            website: v::opt_url("website", self.website)?,
            description: v::opt_long_text("description", self.description)?,
        })
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
    pub city: MaybeUndefined<String>,
    pub website: MaybeUndefined<String>,
    pub description: MaybeUndefined<String>,
}

impl UpdateOrganisationInput {
    fn apply(self, f: &mut OrganisationFields) -> AppResult<()> {
        set("slug", &mut f.slug, self.slug, |x| v::slug("slug", &x))?;
        set("name", &mut f.name, self.name, |x| v::text("name", &x, v::TITLE_MAX))?;
        set("kind", &mut f.kind, self.kind, |x| Ok(x.into()))?;
        set_opt(&mut f.region, self.region, |x| same(x.map(Into::into)))?;
        set_opt(&mut f.departement, self.departement, |x| {
            v::opt_departement("departement", x)
        })?;
        set_opt(&mut f.city, self.city, |x| v::opt_text("city", x, v::TITLE_MAX))?;
        set_opt(&mut f.website, self.website, |x| v::opt_url("website", x))?;
        set_opt(&mut f.description, self.description, |x| {
            v::opt_long_text("description", x)
        })?;
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
