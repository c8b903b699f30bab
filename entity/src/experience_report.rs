use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "experience_reports")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// Exactly one of `action_id`, `event_id` and `kit_loan_id` is set.
    pub action_id: Option<Uuid>,
    pub event_id: Option<Uuid>,
    pub kit_loan_id: Option<Uuid>,
    pub author: String,
    /// The account that wrote the report, when written through the API.
    pub author_user_id: Option<Uuid>,
    pub text: String,
    pub rating: Option<i16>,
    pub people_reached: Option<i32>,
    pub reported_on: Date,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
