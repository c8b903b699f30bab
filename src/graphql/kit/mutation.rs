use std::sync::Arc;

use crate::graphql::scalars::Date;
use async_graphql::{Context, ID, InputObject, MaybeUndefined, Object, Result, SimpleObject};

use crate::auth::denial::{Denial, Rule};
use crate::auth::{Actor, Task, Viewer};
use crate::domain::kit::{KitChange, KitDraft, KitFields, KitPatch};
use crate::domain::kit_loan::{
    KitLoanChange, KitLoanDraft, KitLoanFields, KitLoanPatch, LoanStep, Party, who_moves_dates,
};
use crate::error::{AppError, AppResult};
use crate::graphql::enums::Visibility;
use crate::graphql::error::{IntoGql, parse_id};
use crate::graphql::exec::viewer;
use crate::graphql::kit::{Kit, KitLoan, KitStatus};
use crate::graphql::write::{
    audit, create_record, delete_record, in_transaction, input_fields, opt_id, patch, patch_id, update_record,
};
use crate::store::audit::Subject;
use crate::store::{kit_loans, kits, record};

type Kits = entity::kit::Entity;

/// A new kit. A field that breaks its rule is refused with `BAD_USER_INPUT` and
/// `extensions.field` naming it.
#[derive(InputObject)]
pub struct CreateKitInput {
    /// The owner; editors who leave it out create for their own organisation.
    pub organisation_id: Option<ID>,
    /// The resource the kit is a copy of (its description).
    pub resource_id: ID,
    /// Unique per organisation, whatever the case.
    pub inventory_code: String,
    /// Where it is kept.
    pub location: Option<String>,
    /// What state it is in: HTML or plain text, sanitised (see
    /// `CreateEventInput.description`).
    pub condition_notes: Option<String>,
    /// Whether it can be lent; default `AVAILABLE`.
    #[graphql(default_with = "KitStatus::Available")]
    pub status: KitStatus,
    /// Who may read it; default `PUBLIC`.
    #[graphql(default_with = "Visibility::Public")]
    pub visibility: Visibility,
}

/// Only the fields given change; `null` clears an optional field. A kit's owner and resource
/// never change.
#[derive(InputObject)]
pub struct UpdateKitInput {
    /// Its inventory code (not null), unique per organisation.
    pub inventory_code: MaybeUndefined<String>,
    /// Where it is kept; null removes it.
    pub location: MaybeUndefined<String>,
    /// What state it is in; null removes it.
    pub condition_notes: MaybeUndefined<String>,
    /// Whether it can be lent (not null).
    pub status: MaybeUndefined<KitStatus>,
    /// Who may read it (not null).
    pub visibility: MaybeUndefined<Visibility>,
}

impl UpdateKitInput {
    fn apply(self, f: &mut KitFields) -> AppResult<()> {
        KitChange::parse(KitPatch {
            inventory_code: patch(self.inventory_code, Into::into),
            location: patch(self.location, Into::into),
            condition_notes: patch(self.condition_notes, Into::into),
            status: patch(self.status, Into::into),
            visibility: patch(self.visibility, Into::into),
        })?
        .apply(f);
        Ok(())
    }
}

/// A request for a loan.
#[derive(InputObject)]
pub struct RequestKitLoanInput {
    /// The kit asked for.
    pub kit_id: ID,
    /// Who borrows it (often a school); by default the caller's organisation.
    pub borrower_organisation_id: Option<ID>,
    /// The borrower's contact person, from the address book.
    pub borrower_contact_id: Option<ID>,
    /// The day the kit leaves.
    pub from: Date,
    /// The day it is back (after `from`; 366 days at most).
    pub until: Date,
    /// Notes for the parties: HTML or plain text, sanitised (see
    /// `CreateEventInput.description`).
    pub notes: Option<String>,
}

/// Only the fields given change; `null` clears an optional field. The dates move while the
/// loan is requested (either side) or confirmed (the kit's owner, checked against its other
/// bookings).
#[derive(InputObject)]
pub struct UpdateKitLoanInput {
    /// The borrower's contact person; null removes it.
    pub borrower_contact_id: MaybeUndefined<ID>,
    /// The day the kit leaves (not null).
    pub from: MaybeUndefined<Date>,
    /// The day it is back (not null).
    pub until: MaybeUndefined<Date>,
    /// Notes for the parties; null removes them.
    pub notes: MaybeUndefined<String>,
}

/// What `createKit` did.
#[derive(SimpleObject)]
pub struct CreateKitPayload {
    /// The kit as stored.
    pub kit: Kit,
}

/// What `updateKit` did.
#[derive(SimpleObject)]
pub struct UpdateKitPayload {
    /// The kit as stored after the change.
    pub kit: Kit,
}

/// What `deleteKit` did.
#[derive(SimpleObject)]
pub struct DeleteKitPayload {
    /// The id of the kit deleted.
    pub deleted_id: ID,
}

/// The loan after a request, a step or a change.
#[derive(SimpleObject)]
pub struct KitLoanPayload {
    /// The loan as stored.
    pub kit_loan: KitLoan,
}

/// Whether the caller may write at all (a read-only API key may not).
fn may_write(viewer: &Viewer) -> AppResult<()> {
    viewer.require_signed_in()?;
    match viewer.actor {
        Actor::ApiKey {
            scope: entity::ApiKeyScope::Read,
            ..
        } => Err(AppError::Forbidden(Denial::new(Rule::ReadOnlyKey, Task::BorrowKits))),
        _ => Ok(()),
    }
}

/// The sides of `loan` the caller acts for: the lender (the kit owner's editors, and
/// administrators) and the borrower (whoever asked, the borrowing and requesting
/// organisations' people, and administrators).
fn parties(viewer: &Viewer, loan: &entity::kit_loan::Model) -> Vec<Party> {
    let mut sides = Vec::new();
    if may_write(viewer).is_err() {
        return sides;
    }
    if viewer
        .require_editor_of(Some(loan.lender_organisation_id), Task::LendKits)
        .is_ok()
    {
        sides.push(Party::Lender);
    }
    let asked = viewer.user_id().is_some() && viewer.user_id() == loan.requested_by_user_id;
    let org = viewer.organisation_id();
    let borrowing =
        org.is_some_and(|o| o == loan.borrower_organisation_id || Some(o) == loan.requested_by_organisation_id);
    if viewer.is_admin() || asked || borrowing {
        sides.push(Party::Borrower);
    }
    sides
}

fn require(viewer: &Viewer, loan: &entity::kit_loan::Model, allowed: &[Party]) -> AppResult<()> {
    if parties(viewer, loan).iter().any(|p| allowed.contains(p)) {
        return Ok(());
    }
    // The lender's own steps are its editors': the refusal names the lending organisation.
    if allowed == [Party::Lender] {
        viewer.require_editor_of(Some(loan.lender_organisation_id), Task::LendKits)?;
    }
    Err(AppError::Forbidden(Denial::new(Rule::PartiesOnly, Task::ChangeLoans)))
}

/// The audit log's verb of a step.
fn operation(step: LoanStep) -> &'static str {
    match step {
        LoanStep::Confirm => "confirm",
        LoanStep::Decline => "decline",
        LoanStep::HandOut => "hand_out",
        LoanStep::TakeBack => "take_back",
        LoanStep::Cancel => "cancel",
    }
}

/// Takes `step` on loan `id` in one unit of work, as the caller, and logs it.
async fn step(ctx: &Context<'_>, id: &ID, step: LoanStep) -> Result<KitLoanPayload> {
    let id = parse_id("id", id)?;
    let viewer = viewer(ctx);
    viewer.require_signed_in().gql()?;
    let model = in_transaction(ctx, async |txn| {
        let loan = kit_loans::find(txn, viewer.scope(), id).await?;
        require(viewer, &loan, step.parties())?;
        let loan = kit_loans::take_step(txn, &loan, step).await?;
        audit(
            txn,
            viewer,
            Subject::KitLoan,
            Some(id),
            operation(step),
            vec!["status".into()],
        )
        .await?;
        Ok(loan)
    })
    .await
    .gql()?;
    Ok(KitLoanPayload {
        kit_loan: KitLoan(Arc::new(model)),
    })
}

#[derive(Default)]
pub struct KitMutation;

#[Object]
impl KitMutation {
    /// Adds a kit to its owner's inventory (the owner's editors, administrators).
    async fn create_kit(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The new record.")] input: CreateKitInput,
    ) -> Result<CreateKitPayload> {
        let viewer = viewer(ctx);
        viewer.require_signed_in().gql()?;
        let mut owner = opt_id("organisationId", input.organisation_id).gql()?;
        crate::graphql::write::default_owner(viewer, &mut owner);
        let resource_id = parse_id("resourceId", &input.resource_id)?;
        let fields = KitFields::parse(KitDraft {
            // An owner left out by an administrator is refused below as an unknown one.
            organisation_id: owner.unwrap_or_default(),
            resource_id,
            inventory_code: input.inventory_code,
            location: input.location,
            condition_notes: input.condition_notes,
            status: input.status.into(),
            visibility: input.visibility.into(),
        })
        .map_err(AppError::from)
        .gql()?;
        viewer.require_editor_of(owner, Task::ManageKits).gql()?;
        // The resource described must be one the caller can see.
        if record::find::<entity::resource::Entity>(crate::graphql::exec::db(ctx), viewer.scope(), resource_id)
            .await
            .is_err()
        {
            return Err(crate::graphql::error::to_gql(AppError::bad_input(
                "resourceId",
                "resourceId names no resource",
            )));
        }
        let model = create_record::<Kits>(ctx, Subject::Kit, fields, |_, _| Ok(()))
            .await
            .gql()?;
        Ok(CreateKitPayload {
            kit: Kit(Arc::new(model)),
        })
    }

    /// Changes a kit (the owner's editors, administrators).
    async fn update_kit(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The record's id.")] id: ID,
        #[graphql(desc = "The fields to change.")] input: UpdateKitInput,
    ) -> Result<UpdateKitPayload> {
        let id = parse_id("id", &id)?;
        let model = update_record::<Kits>(
            ctx,
            Subject::Kit,
            id,
            |f| input.apply(f),
            |v, before| v.require_editor_of(Some(before.organisation_id), Task::ManageKits),
            |_, _| Ok(()),
        )
        .await
        .gql()?;
        Ok(UpdateKitPayload {
            kit: Kit(Arc::new(model)),
        })
    }

    /// Deletes a kit that was never lent; one with loans is retired instead
    /// (`updateKit(status: RETIRED)`), to keep its history.
    async fn delete_kit(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The record's id.")] id: ID,
    ) -> Result<DeleteKitPayload> {
        let uuid = parse_id("id", &id)?;
        let db = crate::graphql::exec::db(ctx);
        if kits::has_loans(db, uuid).await.gql()? {
            let viewer = viewer(ctx);
            // Only tell who may change the kit that it has a history.
            let kit = record::find::<Kits>(db, viewer.scope(), uuid).await.gql()?;
            viewer
                .require_editor_of(Some(kit.organisation_id), Task::ManageKits)
                .gql()?;
            return Err(crate::graphql::error::to_gql(AppError::Conflict(
                "cette mallette a des prêts : retirez-la (status RETIRED) plutôt / this kit has loans: retire it (status RETIRED) instead"
                    .into(),
            )));
        }
        delete_record::<Kits>(ctx, Subject::Kit, uuid, |v, m| {
            v.require_editor_of(Some(m.organisation_id), Task::ManageKits)
        })
        .await
        .gql()?;
        Ok(DeleteKitPayload { deleted_id: id })
    }

    /// Asks for a loan of a kit the caller can see: anyone of a partner organisation (not a
    /// read-only key), for their organisation by default or for another (a school). The
    /// loan is `REQUESTED` until the kit's owner confirms or declines it.
    async fn request_kit_loan(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The new record.")] input: RequestKitLoanInput,
    ) -> Result<KitLoanPayload> {
        let viewer = viewer(ctx);
        may_write(viewer).gql()?;
        if viewer.organisation_id().is_none() && !viewer.is_admin() {
            return Err(crate::graphql::error::to_gql(AppError::Forbidden(Denial::new(
                Rule::MembersOnly,
                Task::BorrowKits,
            ))));
        }
        let kit_id = parse_id("kitId", &input.kit_id)?;
        let borrower = opt_id("borrowerOrganisationId", input.borrower_organisation_id)
            .gql()?
            .or(viewer.organisation_id());
        let Some(borrower) = borrower else {
            return Err(crate::graphql::error::to_gql(AppError::bad_input(
                "borrowerOrganisationId",
                "name the borrowing organisation",
            )));
        };
        let contact = opt_id("borrowerContactId", input.borrower_contact_id).gql()?;
        let fields = KitLoanFields::parse(KitLoanDraft {
            kit_id,
            borrower_organisation_id: borrower,
            borrower_contact_id: contact,
            from: input.from.0,
            until: input.until.0,
            notes: input.notes,
        })
        .map_err(AppError::from)
        .gql()?;
        let changed = input_fields(ctx);
        let model = in_transaction(ctx, async |txn| {
            let kit = record::find::<Kits>(txn, viewer.scope(), kit_id)
                .await
                .map_err(|_| AppError::bad_input("kitId", "kitId names no kit"))?;
            if kit.status != entity::KitStatus::Available {
                return Err(AppError::Conflict(format!(
                    "la mallette {code} n'est pas disponible au prêt / kit {code} cannot be lent",
                    code = kit.inventory_code
                )));
            }
            let loan = kit_loans::request(
                txn,
                kit_loans::NewLoan {
                    fields,
                    lender_organisation_id: kit.organisation_id,
                    requested_by_user_id: viewer.user_id(),
                    requested_by_organisation_id: viewer.organisation_id(),
                },
            )
            .await?;
            audit(txn, viewer, Subject::KitLoan, Some(loan.id), "request", changed).await?;
            Ok(loan)
        })
        .await
        .gql()?;
        Ok(KitLoanPayload {
            kit_loan: KitLoan(Arc::new(model)),
        })
    }

    /// Confirms a requested loan (the kit owner's editors). `CONFLICT`, with
    /// `extensions.conflictingLoanId`, when another confirmed or out loan holds the kit on one
    /// of its days; a loan that ends the day this one starts does not.
    async fn confirm_kit_loan(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The record's id.")] id: ID,
    ) -> Result<KitLoanPayload> {
        step(ctx, &id, LoanStep::Confirm).await
    }

    /// Declines a requested loan (the kit owner's editors).
    async fn decline_kit_loan(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The record's id.")] id: ID,
    ) -> Result<KitLoanPayload> {
        step(ctx, &id, LoanStep::Decline).await
    }

    /// Hands the kit out on a confirmed loan (the kit owner's editors): the loan is `OUT`.
    async fn hand_out_kit_loan(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The record's id.")] id: ID,
    ) -> Result<KitLoanPayload> {
        step(ctx, &id, LoanStep::HandOut).await
    }

    /// Takes the kit back (the kit owner's editors): the loan is `RETURNED`.
    async fn return_kit_loan(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The record's id.")] id: ID,
    ) -> Result<KitLoanPayload> {
        step(ctx, &id, LoanStep::TakeBack).await
    }

    /// Cancels a requested or confirmed loan (either side).
    async fn cancel_kit_loan(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The record's id.")] id: ID,
    ) -> Result<KitLoanPayload> {
        step(ctx, &id, LoanStep::Cancel).await
    }

    /// Changes a loan's contact, notes or dates (see `UpdateKitLoanInput`).
    async fn update_kit_loan(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The record's id.")] id: ID,
        #[graphql(desc = "The fields to change.")] input: UpdateKitLoanInput,
    ) -> Result<KitLoanPayload> {
        let id = parse_id("id", &id)?;
        let viewer = viewer(ctx);
        viewer.require_signed_in().gql()?;
        let contact = patch_id("borrowerContactId", input.borrower_contact_id).gql()?;
        let change = KitLoanChange::parse(KitLoanPatch {
            borrower_contact_id: contact,
            from: patch(input.from, |d| d.0),
            until: patch(input.until, |d| d.0),
            notes: patch(input.notes, Into::into),
        })
        .map_err(AppError::from)
        .gql()?;
        let changed = input_fields(ctx);
        let model = in_transaction(ctx, async |txn| {
            let loan = kit_loans::find(txn, viewer.scope(), id).await?;
            require(viewer, &loan, &[Party::Lender, Party::Borrower])?;
            if change.moves_period() {
                let allowed = who_moves_dates(loan.status);
                if allowed.is_empty() {
                    let (fr, en) = crate::domain::kit_loan::status_words(loan.status);
                    return Err(AppError::Conflict(format!(
                        "ce prêt est {fr} : ses dates ne changent plus / this loan is {en}: its dates no longer change"
                    )));
                }
                require(viewer, &loan, allowed)?;
            }
            let mut fields = KitLoanFields::from(&loan);
            change.apply(&mut fields)?;
            let loan = kit_loans::update(txn, &loan, fields).await?;
            audit(txn, viewer, Subject::KitLoan, Some(id), "update", changed).await?;
            Ok(loan)
        })
        .await
        .gql()?;
        Ok(KitLoanPayload {
            kit_loan: KitLoan(Arc::new(model)),
        })
    }
}
