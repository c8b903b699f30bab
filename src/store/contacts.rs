//! Contacts: the pooled address book.

use entity::contact::{ActiveModel, Column as C, Entity as Contacts, Model};
use entity::{Audience, Audiences, Region, Tags};
use sea_orm::{ActiveValue, ColumnTrait, Condition, ConnectionTrait, DatabaseBackend, Set};
use uuid::Uuid;

use super::json_array_contains;
use super::list::{Filter, Relation};
use super::page::{self, listed, sort_keys};
use super::record::{WriteFields, record};
pub use crate::domain::contact::ContactFields;
use crate::error::{AppError, AppResult};

listed!(Contacts, C::Id, |scope| super::scope_condition(scope, C::Visibility, C::OrganisationId), heavy: [C::Notes]);

sort_keys!(ContactSort for Contacts, m {
    LastNameAsc => C::NameSort, false, Key, m.name_sort.clone();
    LastNameDesc => C::NameSort, true, Key, m.name_sort.clone();
    CreatedAtAsc => C::CreatedAt, false, Time, m.created_at;
    CreatedAtDesc => C::CreatedAt, true, Time, m.created_at;
});

#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct ContactFilter {
    /// What the caller may see.
    pub scope: super::Scope,
    pub organisation_id: Option<Uuid>,
    pub region: Option<Region>,
    pub audience: Option<Audience>,
}

/// The contacts of each organisation.
pub const BY_ORGANISATION: Relation<ContactFilter> = Relation::new(C::OrganisationId, |m: &Model| m.organisation_id);

impl Filter for ContactFilter {
    type Entity = Contacts;
    type Sort = ContactSort;

    fn scoped(self, scope: super::Scope) -> Self {
        ContactFilter { scope, ..self }
    }

    fn condition(&self, backend: DatabaseBackend) -> Condition {
        let mut cond = Condition::all().add(<Contacts as page::Listed>::visible(self.scope));
        if let Some(v) = self.organisation_id {
            cond = cond.add(C::OrganisationId.eq(v));
        }
        if let Some(v) = self.region {
            cond = cond.add(C::Region.eq(v));
        }
        if let Some(v) = self.audience {
            cond = cond.add(json_array_contains(backend, "audiences", v.as_str()));
        }
        cond
    }
}

impl WriteFields<ActiveModel> for ContactFields {
    fn write(self, am: &mut ActiveModel) {
        am.organisation_id = Set(self.organisation_id);
        am.name_sort = Set(entity::sort_key::sort_key_of(&[&self.last_name, &self.first_name]));
        am.first_name = Set(self.first_name);
        am.last_name = Set(self.last_name);
        am.job_title = Set(self.job_title);
        let key = self.email.as_deref().map(entity::contact::email_key);
        // A contact that shared its address when the key column was added keeps its distinct
        // key (see the migration) while its address keeps that key: editing it is not refused.
        let same_key =
            matches!(&am.email, ActiveValue::Unchanged(old) if old.as_deref().map(entity::contact::email_key) == key);
        if !same_key {
            am.email_key = Set(key);
        }
        am.email = Set(self.email);
        am.phone = Set(self.phone);
        am.region = Set(self.region);
        am.departement = Set(self.departement);
        am.postal_code = Set(self.postal_code);
        am.city = Set(self.city);
        am.audiences = Set(Audiences(self.audiences));
        am.tags = Set(Tags(self.tags));
        am.notes = Set(self.notes);
        am.visibility = Set(self.visibility);
        am.consent_at = Set(self.consent_at);
    }
}

record!(Contacts, ContactFields, "contact", |db, f, before| {
    if before.is_none_or(|b| b.organisation_id != f.organisation_id) {
        super::organisations::ensure_exists(db, "organisationId", f.organisation_id).await?;
    }
    ensure_unique_email(db, f, before).await
}, conflict: |f| taken(f.email.as_deref().unwrap_or_default(), None));

/// The `CONFLICT` of an address another contact of the organisation has.
fn taken(email: &str, other: Option<&Model>) -> String {
    match other {
        Some(o) => format!(
            "Un contact de cette organisation a déjà l’adresse {email} : {} {} ({}) / \
             a contact of this organisation already has the address {email}: {} {} ({})",
            o.first_name, o.last_name, o.id, o.first_name, o.last_name, o.id
        ),
        None => format!(
            "Un contact de cette organisation a déjà l’adresse {email} / \
             a contact of this organisation already has the address {email}"
        ),
    }
}

/// Refuses (`CONFLICT`) an e-mail address another contact of the same organisation has,
/// whatever its case, as the unique index on `email_key` does. Contacts without an
/// organisation are not held to it.
async fn ensure_unique_email(db: &impl ConnectionTrait, f: &ContactFields, before: Option<&Model>) -> AppResult<()> {
    use sea_orm::{EntityTrait, QueryFilter};
    let (Some(organisation), Some(email)) = (f.organisation_id, f.email.as_deref()) else {
        return Ok(());
    };
    let key = entity::contact::email_key(email);
    // A duplicate the migration found keeps its address (see `write`): not refused again.
    let unchanged = before.is_some_and(|b| {
        b.organisation_id == f.organisation_id
            && b.email.as_deref().map(entity::contact::email_key) == Some(key.clone())
    });
    if unchanged {
        return Ok(());
    }
    let mut others = Contacts::find()
        .filter(C::OrganisationId.eq(organisation))
        .filter(C::EmailKey.eq(key));
    if let Some(before) = before {
        others = others.filter(C::Id.ne(before.id));
    }
    match others.one(db).await? {
        Some(other) => Err(AppError::Conflict(taken(email, Some(&other)))),
        None => Ok(()),
    }
}

/// The contacts with this e-mail address, whatever their visibility (for data-subject requests).
pub async fn by_email(db: &impl ConnectionTrait, email: &str) -> AppResult<Vec<Model>> {
    use sea_orm::{EntityTrait, QueryFilter};
    Ok(Contacts::find()
        .filter(super::text_equals_ci((Contacts, C::Email), email.trim()))
        .all(db)
        .await?)
}
