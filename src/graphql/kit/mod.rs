//! Lending kits: the physical copies of a resource, their loans, and what is free when.

pub mod mutation;

use std::collections::HashMap;
use std::sync::Arc;

use crate::graphql::scalars::{Date, DateTime};
use async_graphql::{Context, Enum, ID, InputObject, Object, Result, SimpleObject};

use super::connection::{connection, id_filter, nested_list, page_args, root_list, scoped};
use super::contact::Contact;
use super::enums::{ExperienceReportOrderBy, Visibility, mirror_enum};
use super::experience_report::{ExperienceReportConnection, ExperienceReportFilter};
use super::organisation::Organisation;
use super::resource::Resource;
use crate::domain::kit_loan::{LoanPeriod, free_again};
use crate::error::AppError;
use crate::graphql::error::{IntoGql, parse_id, to_gql};
use crate::graphql::exec::{db, viewer};
use crate::graphql::loaders::loaders;
use crate::store;

mirror_enum!(
    /// Whether a kit can be lent: `AVAILABLE`, `IN_REPAIR` (kept, not lent for now) or
    /// `RETIRED` (no longer lent; kept with its history).
    KitStatus = entity::KitStatus {
        /// It can be lent.
        Available,
        /// Kept, but not lent for now.
        InRepair,
        /// No longer lent; kept with its history.
        Retired,
    }
);
mirror_enum!(
    /// Where a loan stands: `REQUESTED` → `CONFIRMED` → `OUT` → `RETURNED`, or `CANCELLED`
    /// (by either side, before the kit goes out) or `DECLINED` (by the kit's owner).
    KitLoanStatus = entity::KitLoanStatus {
        /// Asked for; the kit's owner has not answered yet (it holds no day).
        Requested,
        /// Accepted by the kit's owner: the kit is booked over the loan's days.
        Confirmed,
        /// Handed out: the kit is with the borrower.
        Out,
        /// Back with its owner.
        Returned,
        /// Called off by either side before the kit went out.
        Cancelled,
        /// Refused by the kit's owner.
        Declined,
    }
);
mirror_enum!(
    /// Orders of a kit list (default `INVENTORY_CODE_ASC`).
    KitOrderBy = crate::store::kits::KitSort {
        /// By inventory code, A to Z.
        InventoryCodeAsc,
        /// By inventory code, Z to A.
        InventoryCodeDesc,
        /// Oldest first.
        CreatedAtAsc,
        /// Newest first.
        CreatedAtDesc,
    }
);
mirror_enum!(
    /// Orders of a loan list (default `FROM_ASC`: the first day of the loan).
    KitLoanOrderBy = crate::store::kit_loans::KitLoanSort {
        /// Earliest first day first.
        FromAsc,
        /// Latest first day first.
        FromDesc,
        /// Oldest request first.
        CreatedAtAsc,
        /// Newest request first.
        CreatedAtDesc,
    }
);

/// Which of an organisation's loans: those it borrows, or those of the kits it lends.
#[derive(Enum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum KitLoanSide {
    /// The loans it borrows (or asked for).
    Borrower,
    /// The loans of the kits it owns.
    Lender,
}

/// A physical copy of a resource (the resource describes it), owned and lent by an
/// organisation: one of the 24 « Femmes et Microtechniques » mallettes.
#[derive(Clone)]
pub struct Kit(pub Arc<entity::kit::Model>);

connection!(KitConnection, KitEdge, Kit, entity::kit::Model);

/// A loan of a kit to an organisation (often a school), over `from` (the day it leaves) to
/// `until` (the day it is back, free that day for the next loan).
#[derive(Clone)]
pub struct KitLoan(pub Arc<entity::kit_loan::Model>);

connection!(KitLoanConnection, KitLoanEdge, KitLoan, entity::kit_loan::Model);

async fn organisation(ctx: &Context<'_>, id: uuid::Uuid) -> Result<Organisation> {
    loaders(ctx)
        .organisations
        .load_one(id)
        .await
        .gql()?
        .map(Organisation)
        .ok_or_else(|| to_gql(AppError::NotFound("organisation")))
}

/// A physical copy of a resource (the resource describes it), owned and lent by an
/// organisation. Who may read it follows its `visibility` and its organisation; that
/// organisation's editors manage it.
#[Object]
impl Kit {
    /// The kit's id (a UUID).
    pub async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }
    /// Unique per organisation, whatever the case (`FMT-07`).
    async fn inventory_code(&self) -> &str {
        &self.0.inventory_code
    }
    /// The resource that describes it (null when the caller may not see that resource).
    async fn resource(&self, ctx: &Context<'_>) -> Result<Option<Resource>> {
        Ok(loaders(ctx)
            .resources
            .load_one(self.0.resource_id)
            .await
            .gql()?
            .map(Resource))
    }
    /// The organisation that owns and lends it.
    async fn organisation(&self, ctx: &Context<'_>) -> Result<Organisation> {
        organisation(ctx, self.0.organisation_id).await
    }
    /// Where it is kept.
    async fn location(&self) -> Option<&str> {
        self.0.location.as_deref()
    }
    /// What state it is in (missing parts, repairs…): an HTML fragment or plain text under the
    /// hub's one rule for long texts (see `Event.description`); null when none.
    async fn condition_notes(&self) -> Option<&str> {
        self.0.condition_notes.as_deref()
    }
    /// Whether it can be lent.
    async fn status(&self) -> KitStatus {
        self.0.status.into()
    }
    /// Who may read it.
    async fn visibility(&self) -> Visibility {
        self.0.visibility.into()
    }
    /// When the hub first stored it.
    async fn created_at(&self) -> DateTime {
        self.0.created_at.into()
    }
    /// When it last changed.
    async fn updated_at(&self) -> DateTime {
        self.0.updated_at.into()
    }

    /// Its loans the caller may see, by default by first day. Anyone who sees the kit sees
    /// when it is booked (confirmed, out or returned loans); the lending, borrowing and
    /// requesting organisations see every loan they are party to.
    #[graphql(complexity = "crate::graphql::connection::page_cost(first, last, child_complexity)")]
    async fn loans(
        &self,
        ctx: &Context<'_>,
        #[graphql(
            desc = "Narrows the list (the conditions given all apply); left out, every record the caller may see."
        )]
        filter: Option<KitLoanFilter>,
        #[graphql(default_with = "KitLoanOrderBy::FromAsc", desc = "The order of the list.")] order_by: KitLoanOrderBy,
        #[graphql(
            desc = "How many records to return from the start of the list (after `after`): 0 to 100; 20 when neither `first` nor `last` is given. Not with `last`."
        )]
        first: Option<i32>,
        #[graphql(
            desc = "The cursor of a record of this list in this order (`pageInfo.endCursor`, or an edge's `cursor`): the page starts after it."
        )]
        after: Option<String>,
        #[graphql(
            desc = "How many records to return from the end of the list (before `before`): 0 to 100. Not with `first`."
        )]
        last: Option<i32>,
        #[graphql(
            desc = "The cursor of a record of this list in this order (`pageInfo.startCursor`): the page ends before it."
        )]
        before: Option<String>,
    ) -> Result<KitLoanConnection> {
        let filter = scoped(ctx, filter);
        let args = page_args(ctx, first, after, last, before);
        nested_list(&loaders(ctx).kit_loans_of_kit, self.0.id, filter, order_by.into(), args).await
    }
}

/// A loan of a kit to an organisation (often a school), from `from` (the day it leaves) to
/// `until` (the day it is back, free that day for the next loan). Anyone who sees the kit sees
/// when it is booked; the parties (lending, borrowing and requesting organisations) see
/// every loan they are party to, and its notes.
#[Object]
impl KitLoan {
    /// The loan's id (a UUID).
    pub async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }
    /// The kit lent (null when the caller may no longer see it).
    async fn kit(&self, ctx: &Context<'_>) -> Result<Option<Kit>> {
        Ok(loaders(ctx).kits.load_one(self.0.kit_id).await.gql()?.map(Kit))
    }
    /// The kit's owner, who lends it.
    async fn lender(&self, ctx: &Context<'_>) -> Result<Organisation> {
        organisation(ctx, self.0.lender_organisation_id).await
    }
    /// Who borrows it (often a school).
    async fn borrower(&self, ctx: &Context<'_>) -> Result<Organisation> {
        organisation(ctx, self.0.borrower_organisation_id).await
    }
    /// The borrower's contact person (as the address book shows contacts to the caller).
    async fn borrower_contact(&self, ctx: &Context<'_>) -> Result<Option<Contact>> {
        let Some(id) = self.0.borrower_contact_id else {
            return Ok(None);
        };
        Ok(loaders(ctx).contacts.load_one(id).await.gql()?.map(Contact))
    }
    /// The organisation of whoever asked for the loan.
    async fn requested_by_organisation(&self, ctx: &Context<'_>) -> Result<Option<Organisation>> {
        let Some(id) = self.0.requested_by_organisation_id else {
            return Ok(None);
        };
        Ok(loaders(ctx).organisations.load_one(id).await.gql()?.map(Organisation))
    }
    /// The day the kit leaves.
    async fn from(&self) -> Date {
        self.0.starts_on.into()
    }
    /// The day the kit is back (the next loan may start that day).
    async fn until(&self) -> Date {
        self.0.ends_on.into()
    }
    /// Days away: `until - from`.
    async fn loan_days(&self) -> i64 {
        (self.0.ends_on - self.0.starts_on).num_days()
    }
    /// Where the loan stands.
    async fn status(&self) -> KitLoanStatus {
        self.0.status.into()
    }
    /// Notes between the parties (an HTML fragment or plain text under the hub's one rule for
    /// long texts): shown to the lending, borrowing and requesting
    /// organisations and to administrators only.
    async fn notes(&self, ctx: &Context<'_>) -> Option<&str> {
        let viewer = viewer(ctx);
        let party = viewer.is_admin() || store::kit_loans::is_party(&self.0, viewer.organisation_id());
        if !party {
            return None;
        }
        self.0.notes.as_deref()
    }
    /// When it was asked for.
    async fn requested_at(&self) -> DateTime {
        self.0.requested_at.into()
    }
    /// When the kit's owner confirmed it; null before.
    async fn confirmed_at(&self) -> Option<DateTime> {
        self.0.confirmed_at.map(Into::into)
    }
    /// When the kit was handed out; null before.
    async fn handed_out_at(&self) -> Option<DateTime> {
        self.0.handed_out_at.map(Into::into)
    }
    /// When the kit came back; null before.
    async fn returned_at(&self) -> Option<DateTime> {
        self.0.returned_at.map(Into::into)
    }
    /// When it was cancelled; null unless `CANCELLED`.
    async fn cancelled_at(&self) -> Option<DateTime> {
        self.0.cancelled_at.map(Into::into)
    }
    /// When the kit's owner declined it; null unless `DECLINED`.
    async fn declined_at(&self) -> Option<DateTime> {
        self.0.declined_at.map(Into::into)
    }
    /// When the hub first stored it.
    async fn created_at(&self) -> DateTime {
        self.0.created_at.into()
    }
    /// When it last changed.
    async fn updated_at(&self) -> DateTime {
        self.0.updated_at.into()
    }

    /// Experience reports on this loan (the borrowers' « retour »).
    #[graphql(complexity = "crate::graphql::connection::page_cost(first, last, child_complexity)")]
    async fn experience_reports(
        &self,
        ctx: &Context<'_>,
        #[graphql(
            desc = "Narrows the list (the conditions given all apply); left out, every record the caller may see."
        )]
        filter: Option<ExperienceReportFilter>,
        #[graphql(
            default_with = "ExperienceReportOrderBy::ReportedOnDesc",
            desc = "The order of the list."
        )]
        order_by: ExperienceReportOrderBy,
        #[graphql(
            desc = "How many records to return from the start of the list (after `after`): 0 to 100; 20 when neither `first` nor `last` is given. Not with `last`."
        )]
        first: Option<i32>,
        #[graphql(
            desc = "The cursor of a record of this list in this order (`pageInfo.endCursor`, or an edge's `cursor`): the page starts after it."
        )]
        after: Option<String>,
        #[graphql(
            desc = "How many records to return from the end of the list (before `before`): 0 to 100. Not with `first`."
        )]
        last: Option<i32>,
        #[graphql(
            desc = "The cursor of a record of this list in this order (`pageInfo.startCursor`): the page ends before it."
        )]
        before: Option<String>,
    ) -> Result<ExperienceReportConnection> {
        let filter = scoped(ctx, filter);
        let args = page_args(ctx, first, after, last, before);
        nested_list(
            &loaders(ctx).kit_loan_experience_reports,
            self.0.id,
            filter,
            order_by.into(),
            args,
        )
        .await
    }
}

/// What a list of kits can be narrowed to; the conditions given all apply.
#[derive(InputObject, Default)]
pub struct KitFilter {
    /// The owner's id.
    pub organisation_id: Option<ID>,
    /// The resource the kits are copies of.
    pub resource_id: Option<ID>,
    /// Kits with this status.
    pub status: Option<KitStatus>,
}

impl From<KitFilter> for store::kits::KitFilter {
    fn from(f: KitFilter) -> Self {
        Self {
            scope: Default::default(),
            organisation_id: id_filter(f.organisation_id),
            resource_id: id_filter(f.resource_id),
            status: f.status.map(Into::into),
        }
    }
}

/// What a list of loans can be narrowed to; the conditions given all apply. An id that is not
/// a UUID matches nothing.
#[derive(InputObject, Default)]
pub struct KitLoanFilter {
    /// Loans of this kit.
    pub kit_id: Option<ID>,
    /// Loans this organisation lends or borrows.
    pub organisation_id: Option<ID>,
    /// Loans this organisation borrows.
    pub borrower_organisation_id: Option<ID>,
    /// Loans of the kits this organisation lends.
    pub lender_organisation_id: Option<ID>,
    /// Loans in one of these statuses (all when absent or empty).
    pub statuses: Option<Vec<KitLoanStatus>>,
    /// Loans holding their kit on this day or after (`until` after it).
    pub from: Option<Date>,
    /// Loans starting before this day.
    pub until: Option<Date>,
}

impl From<KitLoanFilter> for store::kit_loans::KitLoanFilter {
    fn from(f: KitLoanFilter) -> Self {
        let mut statuses: Vec<entity::KitLoanStatus> =
            f.statuses.unwrap_or_default().into_iter().map(Into::into).collect();
        statuses.sort_by_key(|s| s.as_str());
        statuses.dedup();
        Self {
            scope: Default::default(),
            kit_id: id_filter(f.kit_id),
            organisation_id: id_filter(f.organisation_id),
            borrower_organisation_id: id_filter(f.borrower_organisation_id),
            lender_organisation_id: id_filter(f.lender_organisation_id),
            statuses,
            from: f.from.map(|d| d.0),
            until: f.until.map(|d| d.0),
        }
    }
}

/// A copy that is booked over (part of) the period asked about.
#[derive(SimpleObject)]
pub struct BusyKit {
    /// The kit.
    pub kit: Kit,
    /// The first day from which it is free again: the day the bookings holding it within the
    /// period end (bookings that follow on the same day included). It may be after the period.
    pub free_from: Date,
    /// The confirmed or out loans that hold it within the period.
    pub loans: Vec<KitLoan>,
}

/// What the copies of a resource the caller may see are doing over a period.
#[derive(SimpleObject)]
pub struct KitAvailability {
    /// The first day of the period asked about.
    pub from: Date,
    /// The day after the period (when the kit would be back).
    pub until: Date,
    /// Copies free over the whole period (`AVAILABLE` and booked on none of its days).
    pub free: Vec<Kit>,
    /// Copies booked on some day of the period, each with when it is free again.
    pub busy: Vec<BusyKit>,
    /// Copies in repair (retired ones are left out).
    pub unavailable: Vec<Kit>,
}

#[derive(Default)]
pub struct KitQuery;

#[Object]
impl KitQuery {
    /// One kit, by id; null when there is none, or the caller may not see it.
    async fn kit(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The kit's id (a UUID; `BAD_USER_INPUT` otherwise).")] id: ID,
    ) -> Result<Option<Kit>> {
        let id = parse_id("id", &id)?;
        Ok(loaders(ctx).kits.load_one(id).await.gql()?.map(Kit))
    }

    /// Kits, by default by inventory code.
    #[graphql(complexity = "crate::graphql::connection::page_cost(first, last, child_complexity)")]
    async fn kits(
        &self,
        ctx: &Context<'_>,
        #[graphql(
            desc = "Narrows the list (the conditions given all apply); left out, every record the caller may see."
        )]
        filter: Option<KitFilter>,
        #[graphql(default_with = "KitOrderBy::InventoryCodeAsc", desc = "The order of the list.")] order_by: KitOrderBy,
        #[graphql(
            desc = "How many records to return from the start of the list (after `after`): 0 to 100; 20 when neither `first` nor `last` is given. Not with `last`."
        )]
        first: Option<i32>,
        #[graphql(
            desc = "The cursor of a record of this list in this order (`pageInfo.endCursor`, or an edge's `cursor`): the page starts after it."
        )]
        after: Option<String>,
        #[graphql(
            desc = "How many records to return from the end of the list (before `before`): 0 to 100. Not with `first`."
        )]
        last: Option<i32>,
        #[graphql(
            desc = "The cursor of a record of this list in this order (`pageInfo.startCursor`): the page ends before it."
        )]
        before: Option<String>,
    ) -> Result<KitConnection> {
        let filter: store::kits::KitFilter = scoped(ctx, filter);
        root_list(ctx, filter, order_by.into(), page_args(ctx, first, after, last, before)).await
    }

    /// One loan, by id; null when there is none, or the caller may not see it.
    async fn kit_loan(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The loan's id (a UUID; `BAD_USER_INPUT` otherwise).")] id: ID,
    ) -> Result<Option<KitLoan>> {
        let id = parse_id("id", &id)?;
        Ok(loaders(ctx).kit_loans.load_one(id).await.gql()?.map(KitLoan))
    }

    /// Kit loans the caller may see, by default by first day.
    #[graphql(complexity = "crate::graphql::connection::page_cost(first, last, child_complexity)")]
    async fn kit_loans(
        &self,
        ctx: &Context<'_>,
        #[graphql(
            desc = "Narrows the list (the conditions given all apply); left out, every record the caller may see."
        )]
        filter: Option<KitLoanFilter>,
        #[graphql(default_with = "KitLoanOrderBy::FromAsc", desc = "The order of the list.")] order_by: KitLoanOrderBy,
        #[graphql(
            desc = "How many records to return from the start of the list (after `after`): 0 to 100; 20 when neither `first` nor `last` is given. Not with `last`."
        )]
        first: Option<i32>,
        #[graphql(
            desc = "The cursor of a record of this list in this order (`pageInfo.endCursor`, or an edge's `cursor`): the page starts after it."
        )]
        after: Option<String>,
        #[graphql(
            desc = "How many records to return from the end of the list (before `before`): 0 to 100. Not with `first`."
        )]
        last: Option<i32>,
        #[graphql(
            desc = "The cursor of a record of this list in this order (`pageInfo.startCursor`): the page ends before it."
        )]
        before: Option<String>,
    ) -> Result<KitLoanConnection> {
        let filter: store::kit_loans::KitLoanFilter = scoped(ctx, filter);
        root_list(ctx, filter, order_by.into(), page_args(ctx, first, after, last, before)).await
    }

    /// The copies of a resource over a period: those free over all of it, those booked on
    /// some of its days with the day each is free again, and those in repair. `until` is the
    /// day a loan would bring the kit back (a booking that starts that day does not collide).
    #[graphql(complexity = 200)]
    async fn kit_availability(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The resource whose copies are asked about.")] resource_id: ID,
        #[graphql(desc = "The first day of the period (the day a kit would leave).")] from: Date,
        #[graphql(desc = "The day a kit would be back, after `from`.")] until: Date,
    ) -> Result<KitAvailability> {
        let resource = parse_id("resourceId", &resource_id)?;
        let period = LoanPeriod::parse(from.0, until.0).gql()?;
        let scope = viewer(ctx).scope();
        if loaders(ctx).resources.load_one(resource).await.gql()?.is_none() {
            return Err(to_gql(AppError::NotFound("resource")));
        }
        let copies = store::kits::copies_of(db(ctx), scope, resource).await.gql()?;
        let ids: Vec<uuid::Uuid> = copies.iter().map(|k| k.id).collect();
        let mut holds: HashMap<uuid::Uuid, Vec<entity::kit_loan::Model>> = HashMap::new();
        for loan in store::kit_loans::holds(db(ctx), &ids, from.0).await.gql()? {
            holds.entry(loan.kit_id).or_default().push(loan);
        }
        let mut answer = KitAvailability {
            from,
            until,
            free: Vec::new(),
            busy: Vec::new(),
            unavailable: Vec::new(),
        };
        for kit in copies {
            let loans = holds.remove(&kit.id).unwrap_or_default();
            let kit = Kit(Arc::new(kit));
            if kit.0.status != entity::KitStatus::Available {
                answer.unavailable.push(kit);
                continue;
            }
            let periods: Vec<LoanPeriod> = loans
                .iter()
                .map(|l| LoanPeriod {
                    from: l.starts_on,
                    until: l.ends_on,
                })
                .collect();
            match free_again(&period, &periods) {
                None => answer.free.push(kit),
                Some(free_from) => {
                    let within = loans
                        .into_iter()
                        .filter(|l| l.starts_on < free_from && l.ends_on > period.from)
                        .map(|l| KitLoan(Arc::new(l)))
                        .collect();
                    answer.busy.push(BusyKit {
                        kit,
                        free_from: free_from.into(),
                        loans: within,
                    });
                }
            }
        }
        Ok(answer)
    }
}
