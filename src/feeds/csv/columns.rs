//! Which column holds which target field: the built-in aliases, after `csv_columns`.

use std::collections::BTreeMap;

use anyhow::bail;

use super::FIELDS;
use crate::feeds::tabular::{Aliases, Columns};

/// Built-in header aliases per target, written normalised (see
/// [`normalise_header`](crate::feeds::tabular::normalise_header): lower case, no accent,
/// letters and digits only): French workshop names, our English export names, City Bureau
/// scraper columns, and common spreadsheet variants.
const ALIASES: Aliases = &[
    ("uid", &["uid", "id", "identifiant", "guid", "eventid"]),
    (
        "title",
        &[
            "title",
            "titre",
            "nom",
            "name",
            "nomdelevenement",
            "nomevenement",
            "evenement",
            "intitule",
            "summary",
            "eventname",
            "event",
        ],
    ),
    ("description", &["description", "desc", "details", "resume", "contenu"]),
    (
        "location_name",
        &[
            "locationname",
            "lieu",
            "location",
            "nomdulieu",
            "salle",
            "venue",
            "place",
        ],
    ),
    (
        "address",
        &[
            "address",
            "adresse",
            "locationaddress",
            "adressepostale",
            "streetaddress",
            "rue",
        ],
    ),
    (
        "postal_code",
        &["postalcode", "codepostal", "cp", "zip", "zipcode", "postcode"],
    ),
    ("city", &["city", "ville", "commune", "locality"]),
    ("latitude", &["latitude", "lat"]),
    ("longitude", &["longitude", "lon", "lng", "long"]),
    (
        "start",
        &[
            "start",
            "startsat",
            "startdate",
            "startdatetime",
            "date",
            "datededebut",
            "datedebut",
            "debut",
            "dtstart",
            "begin",
        ],
    ),
    (
        "end",
        &[
            "end",
            "endsat",
            "enddate",
            "enddatetime",
            "fin",
            "datedefin",
            "datefin",
            "dtend",
        ],
    ),
    ("date", &["jour", "day"]),
    (
        "start_time",
        &["starttime", "heure", "heurededebut", "heuredebut", "horaire", "time"],
    ),
    ("end_time", &["endtime", "heuredefin", "heurefin"]),
    ("all_day", &["allday", "journeeentiere", "toutelajournee"]),
    ("timezone", &["timezone", "tz", "fuseauhoraire", "fuseau"]),
    (
        "url",
        &["url", "lien", "link", "website", "siteweb", "sourceurl", "eventurl"],
    ),
    ("author", &["author", "auteur", "auteure", "auteurrice", "createdby"]),
    (
        "organiser",
        &[
            "organiser",
            "organizer",
            "organisateur",
            "organisatrice",
            "organisateurrice",
            "organisme",
            "agencyname",
        ],
    ),
    ("open_to_public", &["opentopublic", "ouvert", "ouvertaupublic"]),
    ("status", &["status", "statut", "etat"]),
    (
        "categories",
        &[
            "categories",
            "category",
            "categorie",
            "tags",
            "tag",
            "motscles",
            "themes",
            "theme",
            "classification",
        ],
    ),
];

/// A header without the columns every event needs. Said without naming any option: the feed
/// adds how to map other columns (`csvColumns`), the importer has no such option.
#[derive(Debug)]
pub struct MissingColumns {
    missing: &'static str,
    found: String,
}

impl std::fmt::Display for MissingColumns {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "the header has no {}; columns found: {}", self.missing, self.found)
    }
}

impl std::error::Error for MissingColumns {}

/// Which column holds which target field: `csv_columns` first, so an explicit mapping wins
/// over the aliases; `Err` when no column holds the title or the start.
pub(super) fn columns<'t>(
    headers: &'t [String],
    overrides: &BTreeMap<String, String>,
    warnings: &mut Vec<String>,
) -> anyhow::Result<Columns<'t>> {
    let mut columns = Columns::new(headers);
    for (source, target) in overrides {
        let Some(target) = FIELDS.iter().copied().find(|field| *field == target.trim()) else {
            bail!(
                "csv_columns maps \"{source}\" to \"{target}\", which is not a target field (one of: {})",
                FIELDS.join(", ")
            );
        };
        if !columns.name(target, source) {
            warnings.push(format!("csv_columns: no column named \"{source}\" in this document"));
        }
    }
    columns.aliases(ALIASES, |target, column, first| {
        warnings.push(format!(
            "column \"{}\" ignored: \"{}\" is already read as {target}",
            headers[column], headers[first]
        ));
    });
    let has_start = ["start", "date", "start_time"].iter().any(|t| columns.has(t));
    let has_title = columns.has("title");
    if !has_title || !has_start {
        let missing = match (has_title, has_start) {
            (false, false) => {
                "title column (Titre, Nom de l'événement, title, name) and no start column (Date, Début, start, start_time)"
            }
            (false, true) => "title column (Titre, Nom de l'événement, title, name)",
            _ => "start column (Date, Début, start, start_time)",
        };
        return Err(MissingColumns {
            missing,
            found: headers
                .iter()
                .map(|h| format!("\"{h}\""))
                .collect::<Vec<_>>()
                .join(", "),
        }
        .into());
    }
    Ok(columns)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::feeds::tabular::{normalise_header, target_of};

    #[test]
    fn headers_are_matched_without_case_accents_or_punctuation() {
        let target_of_header = |header: &str| target_of(ALIASES, header);
        assert_eq!(target_of_header("Nom de l'Événement"), Some("title"));
        assert_eq!(target_of_header(" OUVERT AU PUBLIC "), Some("open_to_public"));
        assert_eq!(target_of_header("Date de début"), Some("start"));
        assert_eq!(target_of_header("Code_postal"), Some("postal_code"));
        assert_eq!(target_of_header("location_url"), None);
        // Every alias targets a known field and appears once.
        let mut seen = std::collections::HashSet::new();
        for (target, aliases) in ALIASES {
            assert!(FIELDS.contains(target), "{target}");
            for alias in *aliases {
                assert_eq!(normalise_header(alias), *alias);
                assert!(seen.insert(*alias), "{alias} twice");
            }
        }
    }
}
