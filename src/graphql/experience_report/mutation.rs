use crate::graphql::scalars::Date;
use crate::store::audit::Subject;
use async_graphql::{Context, ID, InputObject, MaybeUndefined, Object, Result, SimpleObject};

use crate::auth::denial::{Denial, Rule};
use crate::auth::{Actor, Viewer};
use crate::domain::experience_report::{
    ExperienceReportChange, ExperienceReportDraft, ExperienceReportFields, ExperienceReportPatch,
    ExperienceReportSubject,
};
use crate::error::{AppError, AppResult};
use crate::graphql::error::{IntoGql, parse_id, to_gql};
use crate::graphql::exec::{db, viewer};
use crate::graphql::experience_report::ExperienceReport;
use crate::graphql::write::{create_record, delete_record, opt_id, patch, update_record};
use crate::store::record;

type ExperienceReports = entity::experience_report::Entity;

/// Any signed-in person writes reports; a read-only API key does not.
fn may_write_experience_reports(viewer: &Viewer) -> AppResult<()> {
    match viewer.actor {
        Actor::ApiKey {
            scope: entity::ApiKeyScope::Read,
            ..
        } => Err(AppError::Forbidden(Denial::new(
            Rule::ReadOnlyKey,
            crate::auth::Task::WriteExperienceReports,
        ))),
        _ => Ok(()),
    }
}

/// Members and editors change their own reports; admins any.
fn may_change_experience_report(viewer: &Viewer, report: &entity::experience_report::Model) -> AppResult<()> {
    if viewer.is_admin() || (report.author_user_id.is_some() && report.author_user_id == viewer.user_id()) {
        return Ok(());
    }
    Err(AppError::Forbidden(Denial::new(
        Rule::AuthorOnly,
        crate::auth::Task::WriteExperienceReports,
    )))
}

/// A new experience report, on an action, an event or a kit loan the caller may see. A field that
/// breaks its rule is refused with `BAD_USER_INPUT` and `extensions.field` naming it.
#[derive(InputObject)]
pub struct CreateExperienceReportInput {
    /// The action reported on (give exactly one of `actionId`, `eventId` and `kitLoanId`).
    pub action_id: Option<ID>,
    /// The event reported on (give exactly one of `actionId`, `eventId` and `kitLoanId`).
    pub event_id: Option<ID>,
    /// The kit loan reported on, once the kit is out or back (instead of `actionId` or
    /// `eventId`): its lending, borrowing and requesting organisations' people write it.
    pub kit_loan_id: Option<ID>,
    /// Who reports, as they sign: one line of 1 to 200 characters.
    pub author: String,
    /// The report: HTML or plain text, 1 to 20,000 characters once sanitised (see
    /// `CreateEventInput.description`).
    pub text: String,
    /// How well it went, from 1 (poor) to 5 (excellent).
    pub rating: Option<i32>,
    /// How many people it reached: zero or more.
    pub people_reached: Option<i32>,
    /// The day the report speaks of.
    pub reported_on: Date,
}

impl CreateExperienceReportInput {
    fn into_fields(self) -> AppResult<ExperienceReportFields> {
        let draft = ExperienceReportDraft {
            action_id: opt_id("actionId", self.action_id)?,
            event_id: opt_id("eventId", self.event_id)?,
            kit_loan_id: opt_id("kitLoanId", self.kit_loan_id)?,
            author_user_id: None,
            author: self.author,
            text: self.text,
            rating: self.rating,
            people_reached: self.people_reached,
            reported_on: self.reported_on.0,
        };
        Ok(ExperienceReportFields::parse(draft)?)
    }
}

/// A change to an experience report: only the fields given change; `null` clears an
/// optional field and is refused for a required one. Each field follows the rule of its
/// namesake in `CreateExperienceReportInput`.
#[derive(InputObject)]
pub struct UpdateExperienceReportInput {
    /// Who reports (not null).
    pub author: MaybeUndefined<String>,
    /// The report (not null).
    pub text: MaybeUndefined<String>,
    /// How well it went; null removes the rating.
    pub rating: MaybeUndefined<i32>,
    /// How many people it reached; null removes the count.
    pub people_reached: MaybeUndefined<i32>,
    /// The day the report speaks of (not null).
    pub reported_on: MaybeUndefined<Date>,
}

impl UpdateExperienceReportInput {
    fn apply(self, f: &mut ExperienceReportFields) -> AppResult<()> {
        let change = ExperienceReportChange::parse(ExperienceReportPatch {
            author: patch(self.author, Into::into),
            text: patch(self.text, Into::into),
            rating: patch(self.rating, Into::into),
            people_reached: patch(self.people_reached, Into::into),
            reported_on: patch(self.reported_on, |d| d.0),
        })?;
        change.apply(f);
        Ok(())
    }
}

/// What `createExperienceReport` did.
#[derive(SimpleObject)]
pub struct CreateExperienceReportPayload {
    /// The experience report as stored.
    pub experience_report: ExperienceReport,
}

/// What `updateExperienceReport` did.
#[derive(SimpleObject)]
pub struct UpdateExperienceReportPayload {
    /// The experience report as stored after the change.
    pub experience_report: ExperienceReport,
}

/// What `deleteExperienceReport` did.
#[derive(SimpleObject)]
pub struct DeleteExperienceReportPayload {
    /// The id of the experience report deleted.
    pub deleted_id: ID,
}

#[derive(Default)]
pub struct ExperienceReportMutation;

#[Object]
impl ExperienceReportMutation {
    /// Adds an experience report, signed by the caller's account (any signed-in person and
    /// read-write API keys; a read-only key is `FORBIDDEN`), logged in the audit log.
    async fn create_experience_report(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The new report.")] input: CreateExperienceReportInput,
    ) -> Result<CreateExperienceReportPayload> {
        let viewer = viewer(ctx);
        viewer.require_signed_in().gql()?;
        may_write_experience_reports(viewer).gql()?;
        let mut fields = input.into_fields().gql()?;
        fields.author_user_id = viewer.user_id();
        // The action or event reported on must be one the caller can see.
        let scope = viewer.scope();
        let field = fields.subject.field();
        let visible = match fields.subject {
            ExperienceReportSubject::Action(id) => {
                record::find::<entity::action::Entity>(db(ctx), scope, id).await.is_ok()
            }
            ExperienceReportSubject::Event(id) => {
                record::find::<entity::event::Entity>(db(ctx), scope, id).await.is_ok()
            }
            ExperienceReportSubject::KitLoan(id) => {
                let Ok(loan) = crate::store::kit_loans::find(db(ctx), scope, id).await else {
                    return Err(to_gql(AppError::bad_input(field, format!("{field} names no record"))));
                };
                // A « retour » comes from the loan's parties, once the kit went out.
                if !viewer.is_admin() && !crate::store::kit_loans::is_party(&loan, viewer.organisation_id()) {
                    return Err(to_gql(AppError::Forbidden(Denial::new(
                        Rule::PartiesOnly,
                        crate::auth::Task::ReportOnLoans,
                    ))));
                }
                if !matches!(
                    loan.status,
                    entity::KitLoanStatus::Out | entity::KitLoanStatus::Returned
                ) {
                    return Err(to_gql(AppError::Conflict(
                        "un retour porte sur un prêt sorti ou rendu / a report is about a loan that is out or returned"
                            .into(),
                    )));
                }
                true
            }
        };
        if !visible {
            return Err(to_gql(AppError::bad_input(field, format!("{field} names no record"))));
        }
        let model = create_record::<ExperienceReports>(ctx, Subject::ExperienceReport, fields, |_, _| Ok(()))
            .await
            .gql()?;
        Ok(CreateExperienceReportPayload {
            experience_report: ExperienceReport(std::sync::Arc::new(model)),
        })
    }

    /// Changes an experience report: its author, or an administrator (`FORBIDDEN` for
    /// others, who may see it); logged.
    async fn update_experience_report(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The record's id.")] id: ID,
        #[graphql(desc = "The fields to change.")] input: UpdateExperienceReportInput,
    ) -> Result<UpdateExperienceReportPayload> {
        let id = parse_id("id", &id)?;
        let model = update_record::<ExperienceReports>(
            ctx,
            Subject::ExperienceReport,
            id,
            |f| input.apply(f),
            may_change_experience_report,
            |_, _| Ok(()),
        )
        .await
        .gql()?;
        Ok(UpdateExperienceReportPayload {
            experience_report: ExperienceReport(std::sync::Arc::new(model)),
        })
    }

    /// Deletes an experience report for good: its author, or an administrator; logged.
    async fn delete_experience_report(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The record's id.")] id: ID,
    ) -> Result<DeleteExperienceReportPayload> {
        let uuid = parse_id("id", &id)?;
        delete_record::<ExperienceReports>(ctx, Subject::ExperienceReport, uuid, may_change_experience_report)
            .await
            .gql()?;
        Ok(DeleteExperienceReportPayload { deleted_id: id })
    }
}
