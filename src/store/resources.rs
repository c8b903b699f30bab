//! Resources: the shared file of teaching kits, videos, posters, portraits and guides.

use entity::resource::{ActiveModel, Column as C, Entity as Resources, Model};
use entity::{Audience, Audiences, Region, ResourceKind, Tags};
use sea_orm::{ColumnTrait, Condition, DatabaseBackend, Set};
use uuid::Uuid;

use super::json_array_contains;
use super::list::{Filter, Relation};
use super::page::{self, listed, sort_keys};
use super::record::{WriteFields, record};
pub use crate::domain::resource::ResourceFields;

listed!(Resources, C::Id, |scope| super::scope_condition(scope, C::Visibility, C::OrganisationId), heavy: [C::Content, C::Description]);

sort_keys!(ResourceSort for Resources, m {
    TitleAsc => C::TitleSort, false, Key, m.title_sort.clone();
    TitleDesc => C::TitleSort, true, Key, m.title_sort.clone();
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
    pub region: Option<Region>,
}

/// The resources of each organisation.
pub const BY_ORGANISATION: Relation<ResourceFilter> = Relation::new(C::OrganisationId, |m: &Model| m.organisation_id);

impl Filter for ResourceFilter {
    type Entity = Resources;
    type Sort = ResourceSort;

    fn scoped(self, scope: super::Scope) -> Self {
        ResourceFilter { scope, ..self }
    }

    fn condition(&self, backend: DatabaseBackend) -> Condition {
        let mut cond = Condition::all().add(<Resources as page::Listed>::visible(self.scope));
        if let Some(v) = self.kind {
            cond = cond.add(C::Kind.eq(v));
        }
        if let Some(v) = self.free_of_rights {
            cond = cond.add(C::FreeOfRights.eq(v));
        }
        if let Some(v) = self.audience {
            cond = cond.add(json_array_contains(backend, "audiences", v.as_str()));
        }
        if let Some(v) = &self.tag {
            cond = cond.add(json_array_contains(backend, "tags", &v.trim().to_lowercase()));
        }
        if let Some(v) = self.organisation_id {
            cond = cond.add(C::OrganisationId.eq(v));
        }
        if let Some(v) = &self.language {
            cond = cond.add(C::Language.eq(v.trim().to_lowercase()));
        }
        if let Some(v) = self.region {
            cond = cond.add(C::Region.eq(v));
        }
        cond
    }
}

impl WriteFields<ActiveModel> for ResourceFields {
    fn write(self, am: &mut ActiveModel) {
        am.organisation_id = Set(self.organisation_id);
        am.kind = Set(self.kind);
        am.title_sort = Set(entity::sort_key::sort_key(&self.title));
        am.title = Set(self.title);
        am.content = Set(self.content);
        am.description = Set(self.description);
        am.url = Set(self.url);
        am.region = Set(self.region);
        am.author = Set(self.author);
        am.free_of_rights = Set(self.free_of_rights);
        am.licence = Set(self.licence);
        am.language = Set(self.language);
        am.audiences = Set(Audiences(self.audiences));
        am.tags = Set(Tags(self.tags));
        am.visibility = Set(self.visibility);
    }
}

record!(Resources, ResourceFields, "resource", |db, f, before| {
    if before.is_none_or(|b| b.organisation_id != f.organisation_id) {
        super::organisations::ensure_exists(db, "organisationId", f.organisation_id).await?;
    }
    Ok(())
});
