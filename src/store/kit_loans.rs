//! Kit loans: requests, their steps, and the no-double-booking rule.
//!
//! Two `confirmed` or `out` loans of one kit never overlap. The database refuses it by itself
//! (an exclusion constraint on PostgreSQL, triggers on SQLite: the `create_kits` migration);
//! the writers here check first, so that the refusal names the loan it collides with. The check
//! and the write are serialised per kit: on PostgreSQL the kit's row is locked (`FOR UPDATE`)
//! before the check, so a second confirmation waits for the first to commit and then sees it;
//! on SQLite the unit of work holds the database's write lock from `BEGIN IMMEDIATE`.

use std::sync::Arc;

use chrono::NaiveDate;
use entity::KitLoanStatus;
use entity::kit_loan::{ActiveModel, Column as C, Entity as KitLoans, Model};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, DatabaseBackend, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect, QueryTrait, Set,
};
use uuid::Uuid;

use super::Scope;
use super::list::{Filter, Relation};
use super::page::{self, listed, sort_keys};
pub use crate::domain::kit_loan::{KitLoanFields, LoanPeriod, LoanStep};
use crate::error::{AppError, AppResult};

/// The statuses that hold a kit.
pub const HOLDING: [KitLoanStatus; 2] = [KitLoanStatus::Confirmed, KitLoanStatus::Out];
/// The statuses of a loan that took place or will: what anyone who sees the kit sees.
pub const SETTLED: [KitLoanStatus; 3] = [KitLoanStatus::Confirmed, KitLoanStatus::Out, KitLoanStatus::Returned];

/// What `scope` sees of the loans: of a kit it sees, the loans that took place or will (when
/// it is booked, and by whom: organisations are public); and every loan its organisation lends,
/// borrows or asked for, whatever its status.
fn visible(scope: Scope) -> Condition {
    if scope == Scope::All {
        return Condition::all();
    }
    let kits = entity::kit::Entity::find()
        .select_only()
        .column(entity::kit::Column::Id)
        .filter(<entity::kit::Entity as page::Listed>::visible(scope))
        .into_query();
    let mut any = Condition::any().add(
        Condition::all()
            .add(C::KitId.in_subquery(kits))
            .add(C::Status.is_in(SETTLED)),
    );
    if let Scope::Partner {
        organisation: Some(org),
    } = scope
    {
        any = any
            .add(C::LenderOrganisationId.eq(org))
            .add(C::BorrowerOrganisationId.eq(org))
            .add(C::RequestedByOrganisationId.eq(org));
    }
    any
}

listed!(KitLoans, C::Id, |scope| visible(scope), heavy: [C::Notes]);

sort_keys!(KitLoanSort for KitLoans, m {
    FromAsc => C::StartsOn, false, Date, m.starts_on;
    FromDesc => C::StartsOn, true, Date, m.starts_on;
    CreatedAtAsc => C::CreatedAt, false, Time, m.created_at;
    CreatedAtDesc => C::CreatedAt, true, Time, m.created_at;
});

/// What a list of loans can be narrowed to.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct KitLoanFilter {
    /// What the caller may see.
    pub scope: Scope,
    pub kit_id: Option<Uuid>,
    /// Loans this organisation lends or borrows.
    pub organisation_id: Option<Uuid>,
    pub borrower_organisation_id: Option<Uuid>,
    pub lender_organisation_id: Option<Uuid>,
    /// Loans in one of these statuses (all when empty).
    pub statuses: Vec<KitLoanStatus>,
    /// Loans holding their kit on a day on or after this one (`until` after it).
    pub from: Option<NaiveDate>,
    /// Loans starting before this day.
    pub until: Option<NaiveDate>,
}

/// The loans of each kit.
pub const BY_KIT: Relation<KitLoanFilter> = Relation::new(C::KitId, |m: &Model| Some(m.kit_id));
/// The loans each organisation borrows.
pub const BY_BORROWER: Relation<KitLoanFilter> =
    Relation::new(C::BorrowerOrganisationId, |m: &Model| Some(m.borrower_organisation_id));
/// The loans of each organisation's kits.
pub const BY_LENDER: Relation<KitLoanFilter> =
    Relation::new(C::LenderOrganisationId, |m: &Model| Some(m.lender_organisation_id));

impl Filter for KitLoanFilter {
    type Entity = KitLoans;
    type Sort = KitLoanSort;

    fn scoped(self, scope: Scope) -> Self {
        KitLoanFilter { scope, ..self }
    }

    fn condition(&self, _backend: DatabaseBackend) -> Condition {
        let mut cond = Condition::all().add(<KitLoans as page::Listed>::visible(self.scope));
        if let Some(v) = self.kit_id {
            cond = cond.add(C::KitId.eq(v));
        }
        if let Some(v) = self.organisation_id {
            cond = cond.add(
                Condition::any()
                    .add(C::BorrowerOrganisationId.eq(v))
                    .add(C::LenderOrganisationId.eq(v)),
            );
        }
        if let Some(v) = self.borrower_organisation_id {
            cond = cond.add(C::BorrowerOrganisationId.eq(v));
        }
        if let Some(v) = self.lender_organisation_id {
            cond = cond.add(C::LenderOrganisationId.eq(v));
        }
        if !self.statuses.is_empty() {
            cond = cond.add(C::Status.is_in(self.statuses.iter().copied()));
        }
        if let Some(v) = self.from {
            cond = cond.add(C::EndsOn.gt(v));
        }
        if let Some(v) = self.until {
            cond = cond.add(C::StartsOn.lt(v));
        }
        cond
    }
}

/// A loan asked for, with who asks.
pub struct NewLoan {
    pub fields: KitLoanFields,
    /// The kit's owner.
    pub lender_organisation_id: Uuid,
    pub requested_by_user_id: Option<Uuid>,
    pub requested_by_organisation_id: Option<Uuid>,
}

async fn ensure_references(db: &impl ConnectionTrait, fields: &KitLoanFields, before: Option<&Model>) -> AppResult<()> {
    use sea_orm::PaginatorTrait;
    if before.is_none_or(|b| b.borrower_organisation_id != fields.borrower_organisation_id) {
        super::organisations::ensure_exists(db, "borrowerOrganisationId", Some(fields.borrower_organisation_id))
            .await?;
    }
    if let Some(contact) = fields.borrower_contact_id
        && before.is_none_or(|b| b.borrower_contact_id != Some(contact))
        && entity::contact::Entity::find_by_id(contact).count(db).await? == 0
    {
        return Err(AppError::bad_input(
            "borrowerContactId",
            "borrowerContactId names no contact",
        ));
    }
    Ok(())
}

/// Records a request (status `REQUESTED`).
pub async fn request(db: &impl ConnectionTrait, new: NewLoan) -> AppResult<Model> {
    ensure_references(db, &new.fields, None).await?;
    let now = super::now();
    let f = new.fields;
    let am = ActiveModel {
        id: Set(Uuid::now_v7()),
        kit_id: Set(f.kit_id),
        lender_organisation_id: Set(new.lender_organisation_id),
        borrower_organisation_id: Set(f.borrower_organisation_id),
        borrower_contact_id: Set(f.borrower_contact_id),
        requested_by_user_id: Set(new.requested_by_user_id),
        requested_by_organisation_id: Set(new.requested_by_organisation_id),
        starts_on: Set(f.period.from),
        ends_on: Set(f.period.until),
        status: Set(KitLoanStatus::Requested),
        notes: Set(f.notes),
        requested_at: Set(now),
        confirmed_at: Set(None),
        handed_out_at: Set(None),
        returned_at: Set(None),
        cancelled_at: Set(None),
        declined_at: Set(None),
        created_at: Set(now),
        updated_at: Set(now),
    };
    Ok(am.insert(db).await?)
}

/// Reads loan `id` as `scope` sees it; `NOT_FOUND` when it is absent or hidden.
pub async fn find(db: &impl ConnectionTrait, scope: Scope, id: Uuid) -> AppResult<Model> {
    page::by_ids::<KitLoans>(db, &[id], scope)
        .await?
        .remove(&id)
        .ok_or(AppError::NotFound("kit loan"))
}

/// The first loan holding kit `kit_id` over a day of `period`, other than `except`.
pub async fn colliding(
    db: &impl ConnectionTrait,
    kit_id: Uuid,
    period: &LoanPeriod,
    except: Uuid,
) -> AppResult<Option<Model>> {
    Ok(KitLoans::find()
        .filter(C::KitId.eq(kit_id))
        .filter(C::Id.ne(except))
        .filter(C::Status.is_in(HOLDING))
        .filter(C::StartsOn.lt(period.until))
        .filter(C::EndsOn.gt(period.from))
        .order_by_asc(C::StartsOn)
        .order_by_asc(C::Id)
        .one(db)
        .await?)
}

/// Holds `loan`'s kit for `period`, or answers `CONFLICT` naming the loan that holds it
/// already, after taking the kit's lock on PostgreSQL (see the module's documentation). A kit
/// that cannot be lent (in repair, retired) is a `CONFLICT` too.
async fn claim(db: &impl ConnectionTrait, loan: &Model, period: &LoanPeriod) -> AppResult<()> {
    let mut kit = entity::kit::Entity::find_by_id(loan.kit_id);
    if db.get_database_backend() == DatabaseBackend::Postgres {
        kit = kit.lock_exclusive();
    }
    let kit = kit.one(db).await?.ok_or(AppError::NotFound("kit"))?;
    if kit.status != entity::KitStatus::Available {
        return Err(AppError::Conflict(format!(
            "la mallette {code} n'est pas disponible au prêt ({fr}) / kit {code} cannot be lent ({en})",
            code = kit.inventory_code,
            fr = match kit.status {
                entity::KitStatus::InRepair => "en réparation",
                _ => "retirée",
            },
            en = match kit.status {
                entity::KitStatus::InRepair => "in repair",
                _ => "retired",
            },
        )));
    }
    if let Some(other) = colliding(db, loan.kit_id, period, loan.id).await? {
        return Err(AppError::BookingConflict {
            loan_id: other.id,
            from: other.starts_on,
            until: other.ends_on,
        });
    }
    Ok(())
}

/// The database's own refusal of an overlap (a writer that did not check, or raced past the
/// check), as `CONFLICT`.
fn overlap_error(err: sea_orm::DbErr) -> AppError {
    if err.to_string().contains("kit_loans_no_overlap") {
        return AppError::Conflict(
            "ce prêt chevauche un autre prêt de la mallette / this loan overlaps another loan of the kit".into(),
        );
    }
    AppError::from(err)
}

/// Takes `step` on `loan` (read in this transaction): checks it may start from the loan's
/// status, claims the kit when the step holds it, and writes the new status with its time,
/// only if the loan is still in the status it was read in (else `CONFLICT`).
pub async fn take_step(db: &impl ConnectionTrait, loan: &Model, step: LoanStep) -> AppResult<Model> {
    let status = step.apply(loan.status)?;
    if step.holds_kit() && !HOLDING.contains(&loan.status) {
        claim(
            db,
            loan,
            &LoanPeriod {
                from: loan.starts_on,
                until: loan.ends_on,
            },
        )
        .await?;
    }
    let now = super::now();
    let at = match step {
        LoanStep::Confirm => C::ConfirmedAt,
        LoanStep::Decline => C::DeclinedAt,
        LoanStep::HandOut => C::HandedOutAt,
        LoanStep::TakeBack => C::ReturnedAt,
        LoanStep::Cancel => C::CancelledAt,
    };
    let res = KitLoans::update_many()
        .col_expr(C::Status, Expr::value(status))
        .col_expr(at, Expr::value(now))
        .col_expr(C::UpdatedAt, Expr::value(now))
        .filter(C::Id.eq(loan.id))
        .filter(C::Status.eq(loan.status))
        .exec(db)
        .await
        .map_err(overlap_error)?;
    if res.rows_affected == 0 {
        return Err(AppError::Conflict(
            "ce prêt vient de changer : relisez-le / this loan changed meanwhile: read it again".into(),
        ));
    }
    KitLoans::find_by_id(loan.id)
        .one(db)
        .await?
        .ok_or(AppError::NotFound("kit loan"))
}

/// Writes a change of a loan's fields; a loan holding its kit claims its new period first.
pub async fn update(db: &impl ConnectionTrait, loan: &Model, fields: KitLoanFields) -> AppResult<Model> {
    ensure_references(db, &fields, Some(loan)).await?;
    let moved = fields.period.from != loan.starts_on || fields.period.until != loan.ends_on;
    if moved && HOLDING.contains(&loan.status) {
        claim(db, loan, &fields.period).await?;
    }
    let mut am: ActiveModel = loan.clone().into();
    am.borrower_contact_id = Set(fields.borrower_contact_id);
    am.starts_on = Set(fields.period.from);
    am.ends_on = Set(fields.period.until);
    am.notes = Set(fields.notes);
    am.updated_at = Set(super::now());
    am.update(db).await.map_err(overlap_error)
}

/// The loans holding these kits on a day on or after `from` and starting within two years of
/// it, soonest first: what `kitAvailability` reads to tell when each kit is free again.
pub async fn holds(db: &impl ConnectionTrait, kit_ids: &[Uuid], from: NaiveDate) -> AppResult<Vec<Model>> {
    if kit_ids.is_empty() {
        return Ok(Vec::new());
    }
    let horizon = from + chrono::Duration::days(2 * 366);
    Ok(KitLoans::find()
        .filter(C::KitId.is_in(kit_ids.iter().copied()))
        .filter(C::Status.is_in(HOLDING))
        .filter(C::EndsOn.gt(from))
        .filter(C::StartsOn.lt(horizon))
        .order_by_asc(C::StartsOn)
        .order_by_asc(C::Id)
        .all(db)
        .await?)
}

/// Most loans in a calendar.
pub const CALENDAR_LOANS_MAX: u64 = 1000;

/// The loans of a calendar: those `filter` keeps (its scope included) that end on or after
/// `since`, soonest first, at most `CALENDAR_LOANS_MAX`.
pub async fn for_calendar(
    db: &impl ConnectionTrait,
    filter: &KitLoanFilter,
    since: NaiveDate,
) -> AppResult<Vec<Arc<Model>>> {
    let rows = KitLoans::find()
        .filter(filter.condition(db.get_database_backend()))
        .filter(C::EndsOn.gte(since))
        .order_by_asc(C::StartsOn)
        .order_by_asc(C::Id)
        .limit(CALENDAR_LOANS_MAX)
        .all(db)
        .await?;
    Ok(rows.into_iter().map(Arc::new).collect())
}

/// Whether `organisation` is a party to the loan: it lends, borrows or asked for it.
pub fn is_party(loan: &Model, organisation: Option<Uuid>) -> bool {
    organisation.is_some_and(|org| {
        org == loan.lender_organisation_id
            || org == loan.borrower_organisation_id
            || Some(org) == loan.requested_by_organisation_id
    })
}

/// Most loans reminded in one pass of the mail sender (the rest wait for the next pass).
pub const REMINDERS_MAX: u64 = 500;

/// The loans out that are due back between `first` and `last` (both included), soonest first:
/// those whose borrower is reminded now.
pub async fn due_back(db: &impl ConnectionTrait, first: NaiveDate, last: NaiveDate) -> AppResult<Vec<Model>> {
    Ok(KitLoans::find()
        .filter(C::Status.eq(KitLoanStatus::Out))
        .filter(C::EndsOn.gte(first))
        .filter(C::EndsOn.lte(last))
        .order_by_asc(C::EndsOn)
        .order_by_asc(C::Id)
        .limit(REMINDERS_MAX)
        .all(db)
        .await?)
}

/// One loan, whoever asks (the mail sender reads it again before reminding).
pub async fn by_id(db: &impl ConnectionTrait, id: Uuid) -> AppResult<Option<Model>> {
    Ok(KitLoans::find_by_id(id).one(db).await?)
}
