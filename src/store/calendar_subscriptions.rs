//! Private links — calendars and address books: each names its creator, its kind and a saved
//! event or contact filter; only the hash of its secret is stored.

use chrono::{DateTime, Duration, Utc};
use entity::calendar_subscription::{ActiveModel, Column as C, Entity as Subscriptions, Model};
use entity::{Audience, EventStatus, Region};
use sea_orm::sea_query::Expr;
use sea_orm::{ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, Set};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::contacts::ContactFilter;
use super::events::EventFilter;
use crate::error::{AppError, AppResult};
use entity::PrivateLinkKind;

/// The part of an event filter a link keeps (the scope is the creator's, read at each use).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct SavedEventFilter {
    pub starts_after: Option<DateTime<Utc>>,
    pub starts_before: Option<DateTime<Utc>>,
    pub region: Option<Region>,
    pub departement: Option<String>,
    pub city: Option<String>,
    pub organisation_id: Option<Uuid>,
    pub open_to_public: Option<bool>,
    pub audience: Option<Audience>,
    pub tag: Option<String>,
    pub status: Option<EventStatus>,
    /// Whether the link also shows the kit loans of its creator's organisation (lent or
    /// borrowed, not yet over); links saved before loans existed show them (`None`).
    pub kit_loans: Option<bool>,
}

impl From<&EventFilter> for SavedEventFilter {
    fn from(f: &EventFilter) -> Self {
        SavedEventFilter {
            starts_after: f.starts_after,
            starts_before: f.starts_before,
            region: f.region,
            departement: f.departement.clone(),
            city: f.city.clone(),
            organisation_id: f.organisation_id,
            open_to_public: f.open_to_public,
            audience: f.audience,
            tag: f.tag.clone(),
            status: f.status,
            kit_loans: None,
        }
    }
}

impl SavedEventFilter {
    /// Whether the link shows its creator's organisation's kit loans.
    pub fn shows_kit_loans(&self) -> bool {
        self.kit_loans.unwrap_or(true)
    }

    /// The event filter this link reads with `scope`.
    pub fn with_scope(self, scope: super::Scope) -> EventFilter {
        EventFilter {
            scope,
            starts_after: self.starts_after,
            starts_before: self.starts_before,
            region: self.region,
            departement: self.departement,
            city: self.city,
            organisation_id: self.organisation_id,
            open_to_public: self.open_to_public,
            audience: self.audience,
            tag: self.tag,
            status: self.status,
            hide_removed_upstream: false,
        }
    }

    /// Reads a stored filter; an unreadable one narrows to nothing rather than widening.
    pub fn from_stored(value: &serde_json::Value) -> Option<Self> {
        serde_json::from_value(value.clone()).ok()
    }
}

/// The part of a contact filter an address-book link keeps (the scope is the creator's,
/// read at each use).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct SavedContactFilter {
    pub organisation_id: Option<Uuid>,
    pub region: Option<Region>,
    pub audience: Option<Audience>,
}

impl From<&ContactFilter> for SavedContactFilter {
    fn from(f: &ContactFilter) -> Self {
        SavedContactFilter {
            organisation_id: f.organisation_id,
            region: f.region,
            audience: f.audience,
        }
    }
}

impl SavedContactFilter {
    /// The contact filter this link reads with `scope`.
    pub fn with_scope(self, scope: super::Scope) -> ContactFilter {
        ContactFilter {
            scope,
            organisation_id: self.organisation_id,
            region: self.region,
            audience: self.audience,
        }
    }

    /// Reads a stored filter; an unreadable one narrows to nothing rather than widening.
    pub fn from_stored(value: &serde_json::Value) -> Option<Self> {
        serde_json::from_value(value.clone()).ok()
    }
}

/// What a new link opens, and through which filter.
pub enum SavedFilter {
    Events(SavedEventFilter),
    Contacts(SavedContactFilter),
}

impl SavedFilter {
    pub fn kind(&self) -> PrivateLinkKind {
        match self {
            SavedFilter::Events(_) => PrivateLinkKind::Calendar,
            SavedFilter::Contacts(_) => PrivateLinkKind::AddressBook,
        }
    }

    fn to_stored(&self) -> Result<serde_json::Value, serde_json::Error> {
        match self {
            SavedFilter::Events(f) => serde_json::to_value(f),
            SavedFilter::Contacts(f) => serde_json::to_value(f),
        }
    }
}

pub struct NewSubscription {
    pub id: Uuid,
    pub user_id: Uuid,
    pub name: String,
    pub filter: SavedFilter,
    pub secret_hash: String,
}

pub async fn create(db: &impl ConnectionTrait, new: NewSubscription) -> AppResult<Model> {
    let filter = new.filter.to_stored().map_err(AppError::internal)?;
    let am = ActiveModel {
        id: Set(new.id),
        user_id: Set(new.user_id),
        kind: Set(new.filter.kind()),
        name: Set(new.name),
        filter: Set(filter),
        secret_hash: Set(new.secret_hash),
        created_at: Set(super::now()),
        last_used_at: Set(None),
        revoked_at: Set(None),
    };
    Ok(am.insert(db).await?)
}

pub async fn by_id(db: &impl ConnectionTrait, id: Uuid) -> AppResult<Option<Model>> {
    Ok(Subscriptions::find_by_id(id).one(db).await?)
}

/// The live links of a kind of a user, newest first (a user has a handful).
pub async fn of_user(db: &impl ConnectionTrait, user_id: Uuid, kind: PrivateLinkKind) -> AppResult<Vec<Model>> {
    Ok(Subscriptions::find()
        .filter(C::UserId.eq(user_id))
        .filter(C::Kind.eq(kind))
        .filter(C::RevokedAt.is_null())
        .order_by_desc(C::CreatedAt)
        .order_by_desc(C::Id)
        .all(db)
        .await?)
}

/// Records use; written at most once a minute per link.
pub async fn touch(db: &impl ConnectionTrait, link: &Model, now: DateTime<Utc>) -> AppResult<()> {
    if link.last_used_at.is_some_and(|at| now - at < Duration::minutes(1)) {
        return Ok(());
    }
    Subscriptions::update_many()
        .col_expr(C::LastUsedAt, Expr::value(now))
        .filter(C::Id.eq(link.id))
        .exec(db)
        .await?;
    Ok(())
}

/// Whether the link shows its creator's organisation's kit loans (kept in its saved filter).
pub async fn show_kit_loans(db: &impl ConnectionTrait, link: &Model, show: bool) -> AppResult<Model> {
    let mut saved = SavedEventFilter::from_stored(&link.filter).unwrap_or_default();
    saved.kit_loans = Some(show);
    let filter = serde_json::to_value(&saved).map_err(AppError::internal)?;
    Subscriptions::update_many()
        .col_expr(C::Filter, Expr::value(filter))
        .filter(C::Id.eq(link.id))
        .exec(db)
        .await?;
    by_id(db, link.id)
        .await?
        .ok_or(AppError::NotFound("calendar subscription"))
}

pub async fn revoke(db: &impl ConnectionTrait, id: Uuid) -> AppResult<Model> {
    Subscriptions::update_many()
        .col_expr(C::RevokedAt, Expr::value(super::now()))
        .filter(C::Id.eq(id))
        .filter(C::RevokedAt.is_null())
        .exec(db)
        .await?;
    by_id(db, id).await?.ok_or(AppError::NotFound("private link"))
}
