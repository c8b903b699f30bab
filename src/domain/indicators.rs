//! The partners' indicators (« une comptabilité est tenue … afin de suivre le nombre de
//! personnes sensibilisées »): what the hub's records add up to, grouped, and what each
//! figure counts. The store computes them in SQL (`store::indicators`), under the visibility
//! policy; this module holds the rules, the grouping and the labels.
//!
//! **People reached, without counting anyone twice.** People are reached by actions, by
//! events and by kit loans; experience reports tell how many. An action may carry its own
//! figure (`Action.peopleReached`): it is then the action's total, and the figures of the
//! reports on that action are taken as parts of it, not added. So:
//!
//! - an action with its own figure counts that figure, on the action's date (its creation);
//! - every report on an action without its own figure, on an event or on a kit loan counts its
//!   figure, on the report's date;
//! - nothing else counts (events and loans have no figure of their own).
//!
//! Each figure is grouped by the record it is about (a report by its action, event or loan).
//!
//! **What each dimension reads**, for each kind of record:
//!
//! | | région | organisation | audiences | date |
//! |---|---|---|---|---|
//! | action | its région | its organisation | its audiences | its creation |
//! | event | its région | its organiser | its audiences | its start |
//! | resource | its organisation's région | its organisation | its audiences | its creation |
//! | kit loan | the borrower's région | the kit's owner (lender) | its kit's resource's | its first day |
//! | report | its subject's | its subject's | its subject's | its date |
//!
//! `ACTION_STATUS` is the action's status (of an action, or a report on one) and
//! `RESOURCE_KIND` the resource's kind (of a resource, or a kit loan and its reports); records
//! without the dimension count in the group where it is empty. Under `AUDIENCE`, a record with
//! two audiences counts in both groups (and once, with none, in the empty group), so the
//! groups' sum can exceed the total. Dates are days in Europe/Paris; `MONTH` groups by year and
//! month.

use std::collections::HashMap;

use chrono::NaiveDate;
use entity::{ActionStatus, Audience, Region, ResourceKind};
use uuid::Uuid;

use super::{Checks, Invalid};
use crate::error::AppError;

/// Values a filter list holds at most.
pub const FILTER_VALUES_MAX: usize = 100;
/// Dimensions a grouping has at most.
pub const GROUPING_MAX: usize = 3;
/// Groups an answer holds at most: beyond it, the caller narrows the filter.
pub const GROUPS_MAX: usize = 5_000;

/// What figures are grouped by.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Dimension {
    Region,
    Organisation,
    Audience,
    Year,
    Month,
    ActionStatus,
    ResourceKind,
}

impl Dimension {
    /// The column heading, French then English.
    pub fn heading(self) -> &'static str {
        match self {
            Dimension::Region => "Région / Region",
            Dimension::Organisation => "Organisation / Organisation",
            Dimension::Audience => "Public / Audience",
            Dimension::Year => "Année / Year",
            Dimension::Month => "Mois / Month",
            Dimension::ActionStatus => "État de l'action / Action status",
            Dimension::ResourceKind => "Type de ressource / Resource kind",
        }
    }

    /// The chart's « par … » words, French then English.
    pub fn by_words(self) -> (&'static str, &'static str) {
        match self {
            Dimension::Region => ("région", "region"),
            Dimension::Organisation => ("organisation", "organisation"),
            Dimension::Audience => ("public", "audience"),
            Dimension::Year => ("année", "year"),
            Dimension::Month => ("mois", "month"),
            Dimension::ActionStatus => ("état de l'action", "action status"),
            Dimension::ResourceKind => ("type de ressource", "resource kind"),
        }
    }
}

/// A validated grouping: at most `GROUPING_MAX` dimensions, each once, in the order given.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct Grouping(Vec<Dimension>);

impl Grouping {
    pub fn parse(dimensions: Vec<Dimension>) -> Result<Grouping, AppError> {
        let mut out = Vec::with_capacity(dimensions.len());
        for d in dimensions {
            if !out.contains(&d) {
                out.push(d);
            }
        }
        if out.len() > GROUPING_MAX {
            return Err(AppError::bad_input(
                "groupBy",
                format!(
                    "groupBy prend au plus {GROUPING_MAX} dimensions / groupBy takes at most {GROUPING_MAX} dimensions"
                ),
            ));
        }
        Ok(Grouping(out))
    }

    pub fn dimensions(&self) -> &[Dimension] {
        &self.0
    }

    pub fn has(&self, d: Dimension) -> bool {
        self.0.contains(&d)
    }

    /// Whether the year is read: for `YEAR`, and for `MONTH`, which groups by year and month.
    pub fn reads_year(&self) -> bool {
        self.has(Dimension::Year) || self.has(Dimension::Month)
    }
}

/// What the figures are narrowed to. Empty lists narrow nothing; a list keeps the records with
/// one of its values (of audiences: a record reaching one of them).
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct IndicatorFilter {
    pub organisation_ids: Vec<Uuid>,
    pub regions: Vec<Region>,
    pub audiences: Vec<Audience>,
    /// The first day counted (Europe/Paris).
    pub from: Option<NaiveDate>,
    /// The last day counted, included.
    pub until: Option<NaiveDate>,
}

fn bounded<T: PartialEq>(c: &mut Checks, field: &str, values: Vec<T>) -> Vec<T> {
    let values = super::validate::dedup(values);
    if values.len() > FILTER_VALUES_MAX {
        c.refuse(AppError::bad_input(
            field,
            format!(
                "{field} prend au plus {FILTER_VALUES_MAX} valeurs / {field} takes at most {FILTER_VALUES_MAX} values"
            ),
        ));
    }
    values
}

impl IndicatorFilter {
    pub fn parse(f: IndicatorFilter) -> Result<IndicatorFilter, Invalid> {
        let mut c = Checks::default();
        let filter = IndicatorFilter {
            organisation_ids: bounded(&mut c, "organisationIds", f.organisation_ids),
            regions: bounded(&mut c, "regions", f.regions),
            audiences: bounded(&mut c, "audiences", f.audiences),
            from: f.from,
            until: f.until,
        };
        if let (Some(from), Some(until)) = (filter.from, filter.until)
            && until < from
        {
            c.refuse(AppError::bad_input(
                "until",
                "until ne peut précéder from / until cannot come before from",
            ));
        }
        c.finish(filter)
    }
}

/// The group a row of figures is for: the value of each grouped dimension (`None`: the records
/// without it, or a dimension not grouped).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct GroupKey {
    pub region: Option<Region>,
    pub organisation: Option<Uuid>,
    pub audience: Option<Audience>,
    pub year: Option<i32>,
    pub month: Option<u32>,
    pub action_status: Option<ActionStatus>,
    pub resource_kind: Option<ResourceKind>,
}

/// The figures of one group.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Figures {
    /// See the module's documentation.
    pub people_reached: i64,
    pub actions: i64,
    /// Scheduled events that have started.
    pub events_held: i64,
    /// Scheduled events yet to start.
    pub events_upcoming: i64,
    pub events_cancelled: i64,
    pub experience_reports: i64,
    /// The sum and number of the reports' ratings, for their mean.
    pub rating_sum: i64,
    pub rating_count: i64,
    pub resources: i64,
    pub resources_free_of_rights: i64,
    /// Loans confirmed, out or returned.
    pub kit_loans: i64,
    /// Their days away (`until - from`).
    pub loan_days: i64,
}

impl Figures {
    pub fn add(&mut self, o: &Figures) {
        self.people_reached += o.people_reached;
        self.actions += o.actions;
        self.events_held += o.events_held;
        self.events_upcoming += o.events_upcoming;
        self.events_cancelled += o.events_cancelled;
        self.experience_reports += o.experience_reports;
        self.rating_sum += o.rating_sum;
        self.rating_count += o.rating_count;
        self.resources += o.resources;
        self.resources_free_of_rights += o.resources_free_of_rights;
        self.kit_loans += o.kit_loans;
        self.loan_days += o.loan_days;
    }

    /// The reports' mean rating, when any report is rated.
    pub fn mean_rating(&self) -> Option<f64> {
        (self.rating_count > 0).then(|| self.rating_sum as f64 / self.rating_count as f64)
    }

    pub fn events(&self) -> i64 {
        self.events_held + self.events_upcoming + self.events_cancelled
    }

    pub fn resources_not_free(&self) -> i64 {
        self.resources - self.resources_free_of_rights
    }

    /// One figure, by name.
    pub fn get(&self, figure: Figure) -> f64 {
        match figure {
            Figure::PeopleReached => self.people_reached as f64,
            Figure::Actions => self.actions as f64,
            Figure::Events => self.events() as f64,
            Figure::EventsHeld => self.events_held as f64,
            Figure::ExperienceReports => self.experience_reports as f64,
            Figure::MeanRating => self.mean_rating().unwrap_or(0.0),
            Figure::Resources => self.resources as f64,
            Figure::KitLoans => self.kit_loans as f64,
            Figure::LoanDays => self.loan_days as f64,
        }
    }
}

/// A figure one chart draws.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Figure {
    PeopleReached,
    Actions,
    Events,
    EventsHeld,
    ExperienceReports,
    MeanRating,
    Resources,
    KitLoans,
    LoanDays,
}

impl Figure {
    /// Its name in French then English.
    pub fn words(self) -> (&'static str, &'static str) {
        match self {
            Figure::PeopleReached => ("Personnes sensibilisées", "People reached"),
            Figure::Actions => ("Actions", "Actions"),
            Figure::Events => ("Événements", "Events"),
            Figure::EventsHeld => ("Événements tenus", "Events held"),
            Figure::ExperienceReports => ("Retours d'expérience", "Experience reports"),
            Figure::MeanRating => ("Note moyenne des retours", "Mean rating"),
            Figure::Resources => ("Ressources", "Resources"),
            Figure::KitLoans => ("Prêts de mallettes", "Kit loans"),
            Figure::LoanDays => ("Jours de prêt", "Loan-days"),
        }
    }

    /// The name a query parameter gives it (`peopleReached`, `loanDays`…).
    pub fn parse(name: &str) -> Option<Figure> {
        let all = [
            ("peoplereached", Figure::PeopleReached),
            ("actions", Figure::Actions),
            ("events", Figure::Events),
            ("eventsheld", Figure::EventsHeld),
            ("experiencereports", Figure::ExperienceReports),
            ("meanrating", Figure::MeanRating),
            ("resources", Figure::Resources),
            ("kitloans", Figure::KitLoans),
            ("loandays", Figure::LoanDays),
        ];
        let key: String = name
            .chars()
            .filter(|c| c.is_ascii_alphanumeric())
            .map(|c| c.to_ascii_lowercase())
            .collect();
        all.iter().find(|(n, _)| *n == key).map(|(_, f)| *f)
    }
}

/// The headings of the figures' columns, French then English, in the order `Figures::row`
/// writes them.
pub const FIGURE_HEADINGS: [&str; 14] = [
    "Personnes sensibilisées / People reached",
    "Actions / Actions",
    "Événements / Events",
    "Événements tenus / Events held",
    "Événements à venir / Upcoming events",
    "Événements annulés / Cancelled events",
    "Retours d'expérience / Experience reports",
    "Note moyenne / Mean rating",
    "Ressources / Resources",
    "Ressources libres de droits / Resources free of rights",
    "Ressources non libres / Resources not free of rights",
    "Prêts de mallettes / Kit loans",
    "Jours de prêt / Loan-days",
    "Retours notés / Rated reports",
];

impl Figures {
    /// The figures as the cells of a table row, in `FIGURE_HEADINGS`' order.
    pub fn row(&self) -> Vec<String> {
        vec![
            self.people_reached.to_string(),
            self.actions.to_string(),
            self.events().to_string(),
            self.events_held.to_string(),
            self.events_upcoming.to_string(),
            self.events_cancelled.to_string(),
            self.experience_reports.to_string(),
            self.mean_rating().map(|m| format!("{m:.2}")).unwrap_or_default(),
            self.resources.to_string(),
            self.resources_free_of_rights.to_string(),
            self.resources_not_free().to_string(),
            self.kit_loans.to_string(),
            self.loan_days.to_string(),
            self.rating_count.to_string(),
        ]
    }
}

/// Adds up rows of figures by group (each source's `GROUP BY` gives its own rows), in a stable
/// order: by year and month, then by the other dimensions, empty groups last.
pub fn merge(rows: impl IntoIterator<Item = (GroupKey, Figures)>) -> Vec<(GroupKey, Figures)> {
    let mut index: HashMap<GroupKey, usize> = HashMap::new();
    let mut out: Vec<(GroupKey, Figures)> = Vec::new();
    for (key, figures) in rows {
        match index.get(&key) {
            Some(i) => out[*i].1.add(&figures),
            None => {
                index.insert(key, out.len());
                out.push((key, figures));
            }
        }
    }
    // `None` last: `(is_none, value)` orders the given values first.
    out.sort_by_key(|(k, _)| {
        (
            (k.year.is_none(), k.year, k.month.is_none(), k.month),
            (k.region.is_none(), k.region.map(Region::as_str)),
            (k.organisation.is_none(), k.organisation),
            (k.audience.is_none(), k.audience.map(Audience::as_str)),
            (k.action_status.is_none(), k.action_status.map(ActionStatus::as_str)),
            (k.resource_kind.is_none(), k.resource_kind.map(ResourceKind::as_str)),
        )
    });
    out
}

/// An audience in French.
pub fn audience_label(a: Audience) -> &'static str {
    match a {
        Audience::College => "Collégiens",
        Audience::Lycee => "Lycéens",
        Audience::HigherEducation => "Étudiants du supérieur",
        Audience::Apprentices => "Apprentis",
        Audience::Parents => "Parents",
        Audience::Teachers => "Enseignants",
        Audience::CareerAdvisers => "Conseillers d'orientation",
        Audience::JobSeekers => "Demandeurs d'emploi",
        Audience::Employees => "Salariés",
        Audience::Companies => "Entreprises",
        Audience::GeneralPublic => "Grand public",
    }
}

/// An action's status in French.
pub fn action_status_label(s: ActionStatus) -> &'static str {
    match s {
        ActionStatus::Planned => "Prévue",
        ActionStatus::InProgress => "En cours",
        ActionStatus::Completed => "Terminée",
        ActionStatus::Abandoned => "Abandonnée",
    }
}

/// A resource's kind in French.
pub fn resource_kind_label(k: ResourceKind) -> &'static str {
    match k {
        ResourceKind::Video => "Vidéo",
        ResourceKind::SlideDeck => "Diaporama",
        ResourceKind::Brochure => "Plaquette",
        ResourceKind::Poster => "Affiche",
        ResourceKind::TeachingKit => "Mallette pédagogique",
        ResourceKind::Exhibition => "Exposition",
        ResourceKind::Portrait => "Portrait",
        ResourceKind::Guide => "Guide",
        ResourceKind::Website => "Site web",
        ResourceKind::Other => "Autre",
    }
}

/// What an empty group is called.
pub const NOT_GIVEN: &str = "non renseigné / not given";

/// The label of one dimension of a group, French (organisations by the name `organisation`
/// gives).
pub fn label(key: &GroupKey, d: Dimension, organisation: impl Fn(Uuid) -> Option<String>) -> String {
    let given = match d {
        Dimension::Region => key.region.map(|r| crate::places::region_name(r).to_string()),
        Dimension::Organisation => key
            .organisation
            .map(|id| organisation(id).unwrap_or_else(|| id.to_string())),
        Dimension::Audience => key.audience.map(|a| audience_label(a).to_string()),
        Dimension::Year => key.year.map(|y| y.to_string()),
        Dimension::Month => match (key.year, key.month) {
            (Some(y), Some(m)) => Some(format!("{y}-{m:02}")),
            _ => None,
        },
        Dimension::ActionStatus => key.action_status.map(|s| action_status_label(s).to_string()),
        Dimension::ResourceKind => key.resource_kind.map(|k| resource_kind_label(k).to_string()),
    };
    given.unwrap_or_else(|| NOT_GIVEN.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn groupings_are_deduplicated_and_bounded() {
        let g = Grouping::parse(vec![Dimension::Month, Dimension::Region, Dimension::Month]).expect("valid");
        assert_eq!(g.dimensions(), [Dimension::Month, Dimension::Region]);
        assert!(g.reads_year());
        assert!(
            Grouping::parse(vec![
                Dimension::Year,
                Dimension::Region,
                Dimension::Audience,
                Dimension::Organisation
            ])
            .is_err()
        );
    }

    #[test]
    fn a_filter_wants_its_period_in_order() {
        let day = |d: &str| NaiveDate::parse_from_str(d, "%Y-%m-%d").ok();
        let refused = IndicatorFilter::parse(IndicatorFilter {
            from: day("2027-02-01"),
            until: day("2027-01-01"),
            ..Default::default()
        })
        .expect_err("refused");
        assert_eq!(refused.errors().count(), 1);
        let same_day = IndicatorFilter::parse(IndicatorFilter {
            from: day("2027-02-01"),
            until: day("2027-02-01"),
            regions: vec![Region::Corse, Region::Corse],
            ..Default::default()
        })
        .expect("valid");
        assert_eq!(same_day.regions, [Region::Corse]);
    }

    #[test]
    fn rows_of_one_group_add_up_in_a_stable_order() {
        let a = GroupKey {
            year: Some(2026),
            ..Default::default()
        };
        let b = GroupKey {
            year: Some(2025),
            ..Default::default()
        };
        let none = GroupKey::default();
        let f = |people: i64, ratings: (i64, i64)| Figures {
            people_reached: people,
            rating_sum: ratings.0,
            rating_count: ratings.1,
            ..Default::default()
        };
        let merged = merge([
            (none, f(1, (0, 0))),
            (a, f(10, (5, 1))),
            (b, f(3, (0, 0))),
            (a, f(5, (3, 1))),
        ]);
        let keys: Vec<Option<i32>> = merged.iter().map(|(k, _)| k.year).collect();
        assert_eq!(keys, [Some(2025), Some(2026), None]);
        assert_eq!(merged[1].1.people_reached, 15);
        assert_eq!(merged[1].1.mean_rating(), Some(4.0));
        assert_eq!(merged[0].1.mean_rating(), None);
        assert_eq!(Figure::parse("loan_days"), Some(Figure::LoanDays));
        assert_eq!(Figure::parse("peopleReached"), Some(Figure::PeopleReached));
        assert_eq!(FIGURE_HEADINGS.len(), Figures::default().row().len());
    }

    #[test]
    fn labels_are_french_and_empty_groups_named() {
        let key = GroupKey {
            region: Some(Region::BourgogneFrancheComte),
            year: Some(2027),
            month: Some(3),
            ..Default::default()
        };
        assert_eq!(label(&key, Dimension::Region, |_| None), "Bourgogne-Franche-Comté");
        assert_eq!(label(&key, Dimension::Month, |_| None), "2027-03");
        assert_eq!(label(&key, Dimension::Audience, |_| None), NOT_GIVEN);
    }
}
