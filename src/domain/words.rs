//! The French words spreadsheets use for the stored values: the French Excel export
//! (`?format=excel-fr`) writes the first word of each value, the importer reads every word
//! (compared without case, accents or punctuation), so an export imports back.

use entity::{Audience, EventStatus, Region, ResourceKind, Visibility};

/// Words for a value, the one the export writes first.
pub type Words<T> = &'static [(T, &'static [&'static str])];

pub const AUDIENCES: Words<Audience> = &[
    (Audience::College, &["collège", "collégiens"]),
    (Audience::Lycee, &["lycée", "lycéens"]),
    (Audience::HigherEducation, &["supérieur", "étudiants"]),
    (Audience::Apprentices, &["apprentis"]),
    (Audience::Parents, &["parents"]),
    (Audience::Teachers, &["enseignants", "professeurs"]),
    (Audience::CareerAdvisers, &["conseillers d'orientation"]),
    (Audience::JobSeekers, &["demandeurs d'emploi"]),
    (Audience::Employees, &["salariés"]),
    (Audience::Companies, &["entreprises"]),
    (Audience::GeneralPublic, &["grand public"]),
];

pub const VISIBILITIES: Words<Visibility> = &[
    (Visibility::Public, &["public"]),
    (Visibility::Partners, &["partenaires"]),
    (Visibility::Organisation, &["organisation", "interne"]),
];

pub const EVENT_STATUSES: Words<EventStatus> = &[
    (EventStatus::Scheduled, &["prévu", "programmé", "confirmé"]),
    (EventStatus::Cancelled, &["annulé", "annulée"]),
    (EventStatus::RemovedUpstream, &["retiré de sa source", "retiré"]),
];

/// The régions as they are written (the stored names match them once accents and
/// punctuation are set aside: `Île-de-France` is `ile_de_france`).
pub const REGIONS: Words<Region> = &[
    (Region::AuvergneRhoneAlpes, &["Auvergne-Rhône-Alpes"]),
    (Region::BourgogneFrancheComte, &["Bourgogne-Franche-Comté"]),
    (Region::Bretagne, &["Bretagne"]),
    (Region::CentreValDeLoire, &["Centre-Val de Loire"]),
    (Region::Corse, &["Corse"]),
    (Region::GrandEst, &["Grand Est"]),
    (Region::HautsDeFrance, &["Hauts-de-France"]),
    (Region::IleDeFrance, &["Île-de-France"]),
    (Region::Normandie, &["Normandie"]),
    (Region::NouvelleAquitaine, &["Nouvelle-Aquitaine"]),
    (Region::Occitanie, &["Occitanie"]),
    (Region::PaysDeLaLoire, &["Pays de la Loire"]),
    (Region::ProvenceAlpesCoteDAzur, &["Provence-Alpes-Côte d'Azur"]),
    (Region::Guadeloupe, &["Guadeloupe"]),
    (Region::Martinique, &["Martinique"]),
    (Region::Guyane, &["Guyane"]),
    (Region::LaReunion, &["La Réunion"]),
    (Region::Mayotte, &["Mayotte"]),
];

/// What the workshop's « Objet » column says, in the words partners use.
pub const RESOURCE_KINDS: Words<ResourceKind> = &[
    (ResourceKind::Video, &["vidéo", "vidéos", "film"]),
    (
        ResourceKind::SlideDeck,
        &["présentation", "ppt", "powerpoint", "diaporama", "slides"],
    ),
    (ResourceKind::Brochure, &["plaquette", "dépliant", "flyer", "livret"]),
    (ResourceKind::Poster, &["affiche"]),
    (
        ResourceKind::TeachingKit,
        &["mallette pédagogique", "mallette", "kit", "kit pédagogique"],
    ),
    (ResourceKind::Exhibition, &["exposition", "expo"]),
    (ResourceKind::Portrait, &["portrait", "portraits", "témoignage"]),
    (ResourceKind::Guide, &["guide"]),
    (ResourceKind::Website, &["site web", "site", "site internet"]),
    (ResourceKind::Other, &["autre"]),
];

/// The word the export writes for `value`.
pub fn word<T: PartialEq + Copy>(words: Words<T>, value: T) -> &'static str {
    words
        .iter()
        .find(|(v, _)| *v == value)
        .and_then(|(_, names)| names.first().copied())
        .unwrap_or_default()
}

/// `Oui` or `Non`.
pub fn yes_no(value: bool) -> &'static str {
    if value { "Oui" } else { "Non" }
}

#[cfg(test)]
mod tests {
    use super::*;
    use sea_orm::Iterable;

    #[test]
    fn every_value_has_a_word() {
        assert!(Audience::iter().all(|a| !word(AUDIENCES, a).is_empty()));
        assert!(Visibility::iter().all(|v| !word(VISIBILITIES, v).is_empty()));
        assert!(EventStatus::iter().all(|s| !word(EVENT_STATUSES, s).is_empty()));
        assert!(Region::iter().all(|r| !word(REGIONS, r).is_empty()));
        assert!(ResourceKind::iter().all(|k| !word(RESOURCE_KINDS, k).is_empty()));
    }
}
