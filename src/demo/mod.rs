//! Demo data from the partner documents (`seed.json`): organisations, resources, events,
//! actions and experience reports they describe, a few fictional contacts, the 24 physical
//! « Femmes et Microtechniques » mallettes and a few fictional loans of them to schools.
//! Loaded by `serve --demo` into an empty database only.

use std::collections::HashMap;

use anyhow::{Context, bail};
use chrono::{DateTime, NaiveDate, Utc};
use sea_orm::{ConnectionTrait, DatabaseConnection};
use serde::Deserialize;
use serde::de::DeserializeOwned;
use uuid::Uuid;

use crate::domain::action::{ActionDraft, ActionFields};
use crate::domain::contact::{ContactDraft, ContactFields};
use crate::domain::event::{EventDraft, EventFields, LocationDraft};
use crate::domain::experience_report::{ExperienceReportDraft, ExperienceReportFields};
use crate::domain::kit::{KitDraft, KitFields};
use crate::domain::kit_loan::{KitLoanDraft, KitLoanFields, LoanStep};
use crate::domain::organisation::{OrganisationDraft, OrganisationFields};
use crate::domain::resource::{ResourceDraft, ResourceFields};
use crate::store::list::Filter;
use crate::store::{kit_loans, organisations, record};

const SEED: &str = include_str!("seed.json");

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Seed {
    organisations: Vec<Organisation>,
    contacts: Vec<Contact>,
    resources: Vec<Resource>,
    events: Vec<Event>,
    actions: Vec<Action>,
    experience_reports: Vec<Report>,
    kits: Vec<Kit>,
    kit_loans: Vec<Loan>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Kit {
    organisation: String,
    /// The title of the resource it is a copy of.
    resource: String,
    inventory_code: String,
    location: Option<String>,
    condition_notes: Option<String>,
    status: String,
    visibility: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Loan {
    /// The kit's inventory code.
    kit: String,
    borrower: String,
    from: NaiveDate,
    until: NaiveDate,
    /// Where it stands: the steps that lead there are taken, as the kit's owner would.
    status: String,
    notes: Option<String>,
    report: Option<LoanReport>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct LoanReport {
    author: String,
    text: String,
    rating: Option<i32>,
    people_reached: Option<i32>,
    reported_on: NaiveDate,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Organisation {
    slug: String,
    name: String,
    kind: String,
    region: Option<String>,
    departement: Option<String>,
    #[serde(default)]
    postal_code: Option<String>,
    city: Option<String>,
    website: Option<String>,
    description: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Contact {
    organisation: Option<String>,
    first_name: String,
    last_name: String,
    job_title: Option<String>,
    email: Option<String>,
    phone: Option<String>,
    region: Option<String>,
    #[serde(default)]
    postal_code: Option<String>,
    city: Option<String>,
    audiences: Vec<String>,
    tags: Vec<String>,
    notes: Option<String>,
    visibility: String,
    consent_at: Option<DateTime<Utc>>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Resource {
    organisation: Option<String>,
    kind: String,
    title: String,
    content: Option<String>,
    description: Option<String>,
    url: Option<String>,
    author: Option<String>,
    free_of_rights: bool,
    licence: Option<String>,
    language: String,
    audiences: Vec<String>,
    tags: Vec<String>,
    visibility: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Location {
    name: Option<String>,
    address: Option<String>,
    postal_code: Option<String>,
    city: Option<String>,
    departement: Option<String>,
    region: Option<String>,
    latitude: Option<f64>,
    longitude: Option<f64>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Event {
    organiser: Option<String>,
    organiser_name: Option<String>,
    title: String,
    description: Option<String>,
    location: Location,
    starts_at: DateTime<Utc>,
    ends_at: Option<DateTime<Utc>>,
    all_day: bool,
    timezone: String,
    open_to_public: bool,
    url: Option<String>,
    author: Option<String>,
    audiences: Vec<String>,
    tags: Vec<String>,
    status: String,
    visibility: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Action {
    key: String,
    organisation: String,
    title: String,
    summary: Option<String>,
    findings: Option<String>,
    objectives: Option<String>,
    achievements: Option<String>,
    stakeholders: Option<String>,
    obstacles: Option<String>,
    indicators: Option<String>,
    feedback: Option<String>,
    region: Option<String>,
    status: String,
    priority: String,
    audiences: Vec<String>,
    tags: Vec<String>,
    people_reached: Option<i32>,
    visibility: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Report {
    action: Option<String>,
    event: Option<String>,
    author: String,
    text: String,
    rating: Option<i32>,
    people_reached: Option<i32>,
    reported_on: NaiveDate,
}

/// Reads an enum written as its GraphQL name (`BOURGOGNE_FRANCHE_COMTE`).
fn stored<T: DeserializeOwned>(value: &str) -> anyhow::Result<T> {
    serde_json::from_value(serde_json::Value::String(value.to_lowercase()))
        .with_context(|| format!("unknown value {value:?} in the demo data"))
}

fn stored_opt<T: DeserializeOwned>(value: Option<&str>) -> anyhow::Result<Option<T>> {
    value.map(stored).transpose()
}

fn stored_list<T: DeserializeOwned>(values: &[String]) -> anyhow::Result<Vec<T>> {
    values.iter().map(|s| stored(s)).collect()
}

/// Loads the demo data unless the database already holds organisations.
/// Returns whether it loaded anything.
/// Instances starting together on one database take turns, so it is loaded once.
pub async fn load_if_empty(db: &DatabaseConnection) -> anyhow::Result<bool> {
    let seed: Seed = serde_json::from_str(SEED).context("the demo data is not valid")?;
    let txn = crate::store::unit::begin(db).await?;
    crate::store::transaction_lock(&txn, crate::store::DEMO_LOCK).await?;
    if organisations::OrganisationFilter::default().count(&txn).await? > 0 {
        return Ok(false);
    }
    load(&txn, seed).await?;
    txn.commit().await?;
    Ok(true)
}

async fn load(db: &impl ConnectionTrait, seed: Seed) -> anyhow::Result<()> {
    let mut orgs: HashMap<String, Uuid> = HashMap::new();
    for o in seed.organisations {
        let fields = OrganisationFields::parse(OrganisationDraft {
            slug: o.slug.clone(),
            name: o.name,
            kind: stored(&o.kind)?,
            region: stored_opt(o.region.as_deref())?,
            departement: o.departement,
            postal_code: o.postal_code,
            city: o.city,
            website: o.website,
            description: o.description,
        })?;
        let model = record::create::<entity::organisation::Entity>(db, fields).await?;
        orgs.insert(o.slug, model.id);
    }
    let org = |slug: Option<&str>| -> anyhow::Result<Option<Uuid>> {
        match slug {
            None => Ok(None),
            Some(s) => match orgs.get(s) {
                Some(id) => Ok(Some(*id)),
                None => bail!("the demo data names an unknown organisation {s:?}"),
            },
        }
    };
    for c in seed.contacts {
        let fields = ContactFields::parse(ContactDraft {
            organisation_id: org(c.organisation.as_deref())?,
            first_name: c.first_name,
            last_name: c.last_name,
            job_title: c.job_title,
            email: c.email,
            phone: c.phone,
            region: stored_opt(c.region.as_deref())?,
            departement: None,
            postal_code: c.postal_code,
            city: c.city,
            audiences: stored_list(&c.audiences)?,
            tags: c.tags,
            notes: c.notes,
            visibility: stored(&c.visibility)?,
            consent_at: c.consent_at,
        })?;
        record::create::<entity::contact::Entity>(db, fields).await?;
    }
    let mut resource_ids: HashMap<String, Uuid> = HashMap::new();
    for r in seed.resources {
        let title = r.title.clone();
        let fields = ResourceFields::parse(ResourceDraft {
            organisation_id: org(r.organisation.as_deref())?,
            kind: stored(&r.kind)?,
            title: r.title,
            content: r.content,
            description: r.description,
            url: r.url,
            author: r.author,
            free_of_rights: r.free_of_rights,
            licence: r.licence,
            language: Some(r.language),
            audiences: stored_list(&r.audiences)?,
            tags: r.tags,
            visibility: stored(&r.visibility)?,
        })?;
        let model = record::create::<entity::resource::Entity>(db, fields).await?;
        resource_ids.insert(title, model.id);
    }
    let mut event_ids: HashMap<String, Uuid> = HashMap::new();
    for e in seed.events {
        let l = e.location;
        let fields = EventFields::parse(EventDraft {
            title: e.title.clone(),
            description: e.description,
            location: LocationDraft {
                name: l.name,
                address: l.address,
                postal_code: l.postal_code,
                city: l.city,
                departement: l.departement,
                region: stored_opt(l.region.as_deref())?,
                latitude: l.latitude,
                longitude: l.longitude,
            },
            starts_at: e.starts_at,
            ends_at: e.ends_at,
            all_day: e.all_day,
            timezone: Some(e.timezone),
            open_to_public: e.open_to_public,
            url: e.url,
            author: e.author,
            organiser_id: org(e.organiser.as_deref())?,
            organiser_name: e.organiser_name,
            audiences: stored_list(&e.audiences)?,
            tags: e.tags,
            status: stored(&e.status)?,
            visibility: stored(&e.visibility)?,
        })?;
        let model = record::create::<entity::event::Entity>(db, fields).await?;
        event_ids.insert(e.title, model.id);
    }
    let mut action_ids: HashMap<String, Uuid> = HashMap::new();
    for a in seed.actions {
        let fields = ActionFields::parse(ActionDraft {
            organisation_id: org(Some(&a.organisation))?.unwrap_or_default(),
            title: a.title,
            summary: a.summary,
            findings: a.findings,
            objectives: a.objectives,
            achievements: a.achievements,
            stakeholders: a.stakeholders,
            obstacles: a.obstacles,
            indicators: a.indicators,
            feedback: a.feedback,
            region: stored_opt(a.region.as_deref())?,
            status: stored(&a.status)?,
            priority: stored(&a.priority)?,
            audiences: stored_list(&a.audiences)?,
            tags: a.tags,
            people_reached: a.people_reached,
            visibility: stored(&a.visibility)?,
        })?;
        let model = record::create::<entity::action::Entity>(db, fields).await?;
        action_ids.insert(a.key, model.id);
    }
    for r in seed.experience_reports {
        let action_id = match r.action.as_deref() {
            Some(key) => Some(
                *action_ids
                    .get(key)
                    .with_context(|| format!("unknown demo action {key:?}"))?,
            ),
            None => None,
        };
        let event_id = match r.event.as_deref() {
            Some(title) => Some(
                *event_ids
                    .get(title)
                    .with_context(|| format!("unknown demo event {title:?}"))?,
            ),
            None => None,
        };
        let fields = ExperienceReportFields::parse(ExperienceReportDraft {
            action_id,
            event_id,
            kit_loan_id: None,
            author_user_id: None,
            author: r.author,
            text: r.text,
            rating: r.rating,
            people_reached: r.people_reached,
            reported_on: r.reported_on,
        })?;
        record::create::<entity::experience_report::Entity>(db, fields).await?;
    }
    let mut kits: HashMap<String, entity::kit::Model> = HashMap::new();
    for k in seed.kits {
        let fields = KitFields::parse(KitDraft {
            organisation_id: org(Some(&k.organisation))?.unwrap_or_default(),
            resource_id: *resource_ids
                .get(&k.resource)
                .with_context(|| format!("unknown demo resource {:?}", k.resource))?,
            inventory_code: k.inventory_code.clone(),
            location: k.location,
            condition_notes: k.condition_notes,
            status: stored(&k.status)?,
            visibility: stored(&k.visibility)?,
        })?;
        let model = record::create::<entity::kit::Entity>(db, fields).await?;
        kits.insert(k.inventory_code, model);
    }
    for l in seed.kit_loans {
        let kit = kits
            .get(&l.kit)
            .with_context(|| format!("unknown demo kit {:?}", l.kit))?;
        let fields = KitLoanFields::parse(KitLoanDraft {
            kit_id: kit.id,
            borrower_organisation_id: org(Some(&l.borrower))?.unwrap_or_default(),
            borrower_contact_id: None,
            from: l.from,
            until: l.until,
            notes: l.notes,
        })?;
        let mut loan = kit_loans::request(
            db,
            kit_loans::NewLoan {
                fields,
                lender_organisation_id: kit.organisation_id,
                requested_by_user_id: None,
                requested_by_organisation_id: org(Some(&l.borrower))?,
            },
        )
        .await?;
        let status: entity::KitLoanStatus = stored(&l.status)?;
        let steps: &[LoanStep] = match status {
            entity::KitLoanStatus::Requested => &[],
            entity::KitLoanStatus::Confirmed => &[LoanStep::Confirm],
            entity::KitLoanStatus::Out => &[LoanStep::Confirm, LoanStep::HandOut],
            entity::KitLoanStatus::Returned => &[LoanStep::Confirm, LoanStep::HandOut, LoanStep::TakeBack],
            entity::KitLoanStatus::Cancelled => &[LoanStep::Cancel],
            entity::KitLoanStatus::Declined => &[LoanStep::Decline],
        };
        for step in steps {
            loan = kit_loans::take_step(db, &loan, *step).await?;
        }
        if let Some(r) = l.report {
            let fields = ExperienceReportFields::parse(ExperienceReportDraft {
                action_id: None,
                event_id: None,
                kit_loan_id: Some(loan.id),
                author_user_id: None,
                author: r.author,
                text: r.text,
                rating: r.rating,
                people_reached: r.people_reached,
                reported_on: r.reported_on,
            })?;
            record::create::<entity::experience_report::Entity>(db, fields).await?;
        }
    }
    Ok(())
}
