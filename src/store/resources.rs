//! Resources: the shared file of teaching kits, videos, posters, portraits and guides.

use std::collections::HashMap;

use entity::resource::{ActiveModel, Column as C, Entity as Resources, Model};
use entity::{Audience, Audiences, ResourceKind, Tags};
use sea_orm::{ColumnTrait, Condition, ConnectionTrait, Set};
use uuid::Uuid;

use super::page::{self, Page, PageArgs, listed, sort_keys};
use super::record::{WriteFields, record};
use super::{backend, json_array_contains};
pub use crate::domain::resource::ResourceFields;
use crate::error::AppResult;

listed!(Resources, C::Id, |scope| super::scope_condition(scope, C::Visibility, C::OrganisationId), heavy: [C::Content, C::Description]);

sort_keys!(ResourceSort for Resources, m {
    TitleAsc => C::Title, false, Text, m.title.clone();
    TitleDesc => C::Title, true, Text, m.title.clone();
    CreatedAtAsc => C::CreatedAt, false, Time, m.created_at;
    CreatedAtDesc => C::CreatedAt, true, Time, m.created_at;
    UpdatedAtAsc => C::UpdatedAt, false, Time, m.updated_at;
    UpdatedAtDesc => C::UpdatedAt, true, Time, m.updated_at;
});

#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct ResourceFilter {
    /// What the caller may see.
    pub scope: super::Scope,
    pub kind: Option<ResourceKind>,
    pub free_of_rights: Option<bool>,
    pub audience: Option<Audience>,
    pub tag: Option<String>,
    pub organisation_id: Option<Uuid>,
    pub language: Option<String>,
}

impl ResourceFilter {
    pub fn condition(&self, db: &impl ConnectionTrait) -> Condition {
        let mut cond = Condition::all().add(<Resources as page::Listed>::visible(self.scope));
        if let Some(v) = self.kind {
            cond = cond.add(C::Kind.eq(v));
        }
        if let Some(v) = self.free_of_rights {
            cond = cond.add(C::FreeOfRights.eq(v));
        }
        if let Some(v) = self.audience {
            cond = cond.add(json_array_contains(backend(db), "audiences", v.as_str()));
        }
        if let Some(v) = &self.tag {
            cond = cond.add(json_array_contains(backend(db), "tags", &v.trim().to_lowercase()));
        }
        if let Some(v) = self.organisation_id {
            cond = cond.add(C::OrganisationId.eq(v));
        }
        if let Some(v) = &self.language {
            cond = cond.add(C::Language.eq(v.trim().to_lowercase()));
        }
        cond
    }
}

impl WriteFields<ActiveModel> for ResourceFields {
    fn write(self, am: &mut ActiveModel) {
        am.organisation_id = Set(self.organisation_id);
        am.kind = Set(self.kind);
        am.title = Set(self.title);
        am.content = Set(self.content);
        am.description = Set(self.description);
        am.url = Set(self.url);
        am.author = Set(self.author);
        am.free_of_rights = Set(self.free_of_rights);
        am.licence = Set(self.licence);
        am.language = Set(self.language);
        am.audiences = Set(Audiences(self.audiences));
        am.tags = Set(Tags(self.tags));
        am.visibility = Set(self.visibility);
    }
}

pub async fn list(
    db: &impl ConnectionTrait,
    filter: &ResourceFilter,
    sort: ResourceSort,
    args: &PageArgs,
) -> AppResult<Page<Model>> {
    page::fetch::<Resources, _>(db, filter.condition(db), sort, args).await
}

pub async fn count(db: &impl ConnectionTrait, filter: &ResourceFilter) -> AppResult<u64> {
    page::count::<Resources>(db, filter.condition(db)).await
}

pub async fn list_by_organisations(
    db: &impl ConnectionTrait,
    organisations: &[Uuid],
    filter: &ResourceFilter,
    sort: ResourceSort,
    args: &PageArgs,
) -> AppResult<HashMap<Uuid, Page<Model>>> {
    page::fetch_by_parents::<Resources, _>(
        db,
        C::OrganisationId,
        organisations,
        filter.condition(db),
        sort,
        args,
        |m| m.organisation_id,
    )
    .await
}

pub async fn count_by_organisations(
    db: &impl ConnectionTrait,
    organisations: &[Uuid],
    filter: &ResourceFilter,
) -> AppResult<HashMap<Uuid, u64>> {
    page::count_by_parents::<Resources>(db, C::OrganisationId, organisations, filter.condition(db)).await
}

record!(Resources, ResourceFields, "resource", |db, f, before| {
    if before.is_none_or(|b| b.organisation_id != f.organisation_id) {
        super::organisations::ensure_exists(db, "organisationId", f.organisation_id).await?;
    }
    Ok(())
});
