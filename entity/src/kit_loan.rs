use sea_orm::entity::prelude::*;

use crate::KitLoanStatus;

/// A loan of a kit to an organisation (often a school) over `[starts_on, ends_on)`: the kit
/// leaves on `starts_on` and is back on `ends_on`, free that day for the next loan.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "kit_loans")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub kit_id: Uuid,
    /// The kit's owner when the loan was asked for (a kit's owner never changes).
    pub lender_organisation_id: Uuid,
    pub borrower_organisation_id: Uuid,
    pub borrower_contact_id: Option<Uuid>,
    pub requested_by_user_id: Option<Uuid>,
    pub requested_by_organisation_id: Option<Uuid>,
    pub starts_on: Date,
    pub ends_on: Date,
    pub status: KitLoanStatus,
    pub notes: Option<String>,
    pub requested_at: DateTimeUtc,
    pub confirmed_at: Option<DateTimeUtc>,
    pub handed_out_at: Option<DateTimeUtc>,
    pub returned_at: Option<DateTimeUtc>,
    pub cancelled_at: Option<DateTimeUtc>,
    pub declined_at: Option<DateTimeUtc>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
