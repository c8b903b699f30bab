//! `GET /kits/<id>/loans.ics`: a kit's loan calendar (iCalendar, all-day spans), as the caller
//! sees the loans (anonymous callers: the confirmed, out and returned loans of a public kit;
//! `Authorization: Bearer …` for more). Also the kit loans a private calendar link shows.

use std::collections::HashMap;
use std::sync::Arc;

use chrono::Duration;
use poem::web::{Data, Path};
use poem::{Request, Response, Route, get, handler};
use uuid::Uuid;

use super::AppState;
use super::export::{ICS, cached, error, viewer};
use crate::domain::Scope;
use crate::error::AppError;
use crate::export;
use crate::store::kit_loans::KitLoanFilter;
use crate::store::{self, page};

/// Adds the kit routes to `route`.
pub fn routes(route: Route) -> Route {
    route.at("/kits/:id/loans.ics", get(kit_loans_ics))
}

/// Loans with what a calendar names them by.
#[derive(Default)]
pub(super) struct Loans {
    loans: Vec<Arc<entity::kit_loan::Model>>,
    kits: HashMap<Uuid, entity::kit::Model>,
    resources: HashMap<Uuid, entity::resource::Model>,
    organisations: HashMap<Uuid, entity::organisation::Model>,
}

impl Loans {
    /// Reads the kits, resources (those `scope` sees) and organisations `loans` name.
    async fn of(state: &AppState, scope: Scope, loans: Vec<Arc<entity::kit_loan::Model>>) -> Result<Loans, AppError> {
        let mut kit_ids: Vec<Uuid> = loans.iter().map(|l| l.kit_id).collect();
        kit_ids.sort_unstable();
        kit_ids.dedup();
        // A party sees its loan's kit code even when the kit is no longer shown to it.
        let kits = page::by_ids::<entity::kit::Entity>(&state.db, &kit_ids, Scope::All).await?;
        let mut resource_ids: Vec<Uuid> = kits.values().map(|k| k.resource_id).collect();
        resource_ids.sort_unstable();
        resource_ids.dedup();
        let resources = page::by_ids::<entity::resource::Entity>(&state.db, &resource_ids, scope).await?;
        let organisations = store::exports::organisations(
            &state.db,
            loans
                .iter()
                .flat_map(|l| [l.lender_organisation_id, l.borrower_organisation_id]),
        )
        .await?;
        Ok(Loans {
            loans,
            kits,
            resources,
            organisations,
        })
    }

    pub(super) fn entries(&self) -> Vec<export::ics::LoanEntry<'_>> {
        let name = |id: &Uuid| self.organisations.get(id).map_or("?", |o| o.name.as_str());
        self.loans
            .iter()
            .map(|loan| {
                let kit = self.kits.get(&loan.kit_id);
                let borrower = self.organisations.get(&loan.borrower_organisation_id);
                export::ics::LoanEntry {
                    loan,
                    kit: kit.map_or("?", |k| k.inventory_code.as_str()),
                    resource: kit
                        .and_then(|k| self.resources.get(&k.resource_id))
                        .map(|r| r.title.as_str()),
                    lender: name(&loan.lender_organisation_id),
                    borrower: name(&loan.borrower_organisation_id),
                    place: borrower.and_then(|o| o.city.as_deref()),
                }
            })
            .collect()
    }
}

/// The loans of `organisation` (lent or borrowed) that are not over and still stand
/// (requested, confirmed or out), as `scope` sees them: what a private calendar link shows.
pub(super) async fn open_loans_of(state: &AppState, scope: Scope, organisation: Uuid) -> Result<Loans, AppError> {
    use entity::KitLoanStatus as S;
    let filter = KitLoanFilter {
        scope,
        organisation_id: Some(organisation),
        statuses: vec![S::Requested, S::Confirmed, S::Out],
        ..Default::default()
    };
    let today = store::now().date_naive();
    let loans = store::kit_loans::for_calendar(&state.db, &filter, today).await?;
    Loans::of(state, scope, loans).await
}

/// `GET /kits/<id>/loans.ics`: the loans of a kit the caller sees that end a year ago or
/// later, soonest first (cancelled and declined ones with `STATUS:CANCELLED`, requested ones
/// `TENTATIVE`); `ETag`/304.
#[handler]
async fn kit_loans_ics(req: &Request, Path(id): Path<String>, Data(state): Data<&Arc<AppState>>) -> Response {
    let result = async {
        let viewer = viewer(req, state).await?;
        let scope = viewer.scope();
        let id = Uuid::parse_str(id.trim()).map_err(|_| AppError::NotFound("kit"))?;
        let kit = store::record::find::<entity::kit::Entity>(&state.db, scope, id).await?;
        let filter = KitLoanFilter {
            scope,
            kit_id: Some(kit.id),
            ..Default::default()
        };
        let since = store::now().date_naive() - Duration::days(366);
        let loans = store::kit_loans::for_calendar(&state.db, &filter, since).await?;
        let loans = Loans::of(state, scope, loans).await?;
        let name = format!(
            "Prêts de la mallette {code} / Loans of kit {code}",
            code = kit.inventory_code
        );
        let info = export::ics::CalendarInfo {
            name: &name,
            refresh: Duration::hours(1),
        };
        let body = export::ics::calendar_with_loans(&info, &[], &loans.entries());
        let cache = if viewer.is_anonymous() {
            "public, max-age=300"
        } else {
            "private, max-age=300"
        };
        Ok::<_, AppError>(cached(req, body, ICS, cache))
    }
    .await;
    result.unwrap_or_else(|e| error(&e))
}
