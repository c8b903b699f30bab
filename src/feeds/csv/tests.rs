//! Whole documents: real exports (the fixtures) and the workshop's layouts.

use chrono::{DateTime, TimeZone, Utc};
use chrono_tz::Tz;

use super::parse;
use crate::feeds::ParseOptions;

const BUILDINGS: &[u8] =
    include_bytes!("../../../tests/fixtures/feeds/csv-meetings-chi-buildings-crlf-quoted-commas.csv");
const ANIMAL: &[u8] = include_bytes!("../../../tests/fixtures/feeds/csv-meetings-chi-animal-small.csv");

fn options() -> ParseOptions {
    ParseOptions::around(
        Utc.with_ymd_and_hms(2024, 3, 1, 0, 0, 0)
            .single()
            .expect("valid test value"),
    )
}

fn at(zone: Tz, y: i32, m: u32, d: u32, h: u32, min: u32) -> DateTime<Utc> {
    zone.with_ymd_and_hms(y, m, d, h, min, 0)
        .single()
        .expect("valid test value")
        .with_timezone(&Utc)
}

fn utc(rfc3339: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(rfc3339)
        .expect("valid test value")
        .with_timezone(&Utc)
}

const WORKSHOP_HEADER: &str = "Nom de l'événement;Lieu;Description;Auteur;Organisateur;Date;Ouvert;Lien";

#[test]
fn city_bureau_buildings_export_with_crlf_and_quoted_commas() {
    let parsed = parse(BUILDINGS, &options()).expect("parses");
    assert_eq!(parsed.events.len(), 20, "{:?}", parsed.warnings);
    assert!(parsed.warnings.is_empty(), "{:?}", parsed.warnings);
    let first = &parsed.events[0];
    assert_eq!(first.title, "Board Meeting \u{2013} March 13, 2018");
    assert_eq!(first.uid, "chi_buildings/201803131430/x/board_meeting_march_13_2018");
    // 14:30 in Chicago in March 2018 is CDT (-05:00): DST began on March 11.
    assert_eq!(first.starts_at, utc("2018-03-13T14:30:00-05:00"));
    assert_eq!(first.ends_at, Some(utc("2018-03-13T15:30:00-05:00")));
    assert_eq!(first.timezone, "America/Chicago");
    assert!(!first.all_day);
    assert!(!first.cancelled);
    assert_eq!(
        first.location_name.as_deref(),
        Some("Second Floor Board Room, Richard J. Daley Center")
    );
    assert_eq!(
        first.address.as_deref(),
        Some("50 W. Washington Street Chicago, IL 60602")
    );
    assert_eq!(first.description, None, "N/A is a placeholder");
    assert_eq!(
        first.organiser.as_deref(),
        Some("Public Building Commission of Chicago")
    );
    assert_eq!(
        first.url.as_deref(),
        Some("http://www.pbcchicago.com/events/event/board-meeting-march-13-2018/")
    );
    assert_eq!(first.categories, vec!["Board Meeting".to_string()]);
    let last = &parsed.events[19];
    assert_eq!(last.title, "Bid Opening \u{2013} Chicago Park District Group B");
    assert_eq!(last.starts_at, utc("2018-03-20T11:00:00-05:00"));
    assert_eq!(last.location_name.as_deref(), Some("Pbc Board Room"));
    // November is back on CST (-06:00).
    let november = parsed
        .events
        .iter()
        .find(|e| e.title.contains("November 13"))
        .expect("valid test value");
    assert_eq!(november.starts_at, utc("2018-11-13T14:30:00-06:00"));
}

#[test]
fn city_bureau_animal_export_without_end_times() {
    let parsed = parse(ANIMAL, &options()).expect("parses");
    assert_eq!(parsed.events.len(), 5, "{:?}", parsed.warnings);
    assert!(parsed.warnings.is_empty(), "{:?}", parsed.warnings);
    let first = &parsed.events[0];
    assert_eq!(first.title, "Commission meeting");
    assert_eq!(first.uid, "chi_animal/201803150830/x/commission_meeting");
    assert_eq!(first.starts_at, utc("2018-03-15T08:30:00-05:00"));
    assert_eq!(first.ends_at, None);
    assert_eq!(first.timezone, "America/Chicago");
    assert_eq!(first.location_name.as_deref(), Some("David R. Lee Animal Care Center"));
    assert_eq!(first.address.as_deref(), Some("2741 S. Western Ave, Chicago, IL 60608"));
    let uids: Vec<&str> = parsed.events.iter().map(|e| e.uid.as_str()).collect();
    assert_eq!(
        uids,
        [
            "chi_animal/201803150830/x/commission_meeting",
            "chi_animal/201805171830/x/commission_meeting",
            "chi_animal/201807190830/x/commission_meeting",
            "chi_animal/201809200830/x/commission_meeting",
            "chi_animal/201811150830/x/commission_meeting",
        ]
    );
    assert_eq!(parsed.events[4].starts_at, utc("2018-11-15T08:30:00-06:00"));
}

#[test]
fn french_workshop_layout_in_windows_1252_with_semicolons() {
    let text = format!(
        "{WORKSHOP_HEADER}\r\n\
         Atelier soudure;Fablab de Rennes;Découvrir la soudure à l'arc;Élodie Martin;Elles bougent;12/03/2024;Oui;https://example.org/soudure\r\n\
         \"Visite d'usine; ligne d'assemblage\";Usine Renault, Flins;\"Visite guidée\r\nsur deux lignes\";;Femmes & Industrie;05/04/2024 14:30;Non;\r\n\
         Forum des métiers;Lycée Curie;N/A;-;;06/04/24 9h15;x;\r\n\r\n"
    );
    let (bytes, _, unmappable) = encoding_rs::WINDOWS_1252.encode(&text);
    assert!(!unmappable);
    assert!(std::str::from_utf8(&bytes).is_err(), "the test needs non-UTF-8 bytes");
    let parsed = parse(&bytes, &options()).expect("parses");
    assert!(parsed.warnings.is_empty(), "{:?}", parsed.warnings);
    assert_eq!(parsed.events.len(), 3);

    let paris = chrono_tz::Europe::Paris;
    let soudure = &parsed.events[0];
    assert_eq!(soudure.title, "Atelier soudure");
    assert_eq!(soudure.location_name.as_deref(), Some("Fablab de Rennes"));
    assert_eq!(soudure.description.as_deref(), Some("Découvrir la soudure à l'arc"));
    assert_eq!(soudure.author.as_deref(), Some("Élodie Martin"));
    assert_eq!(soudure.organiser.as_deref(), Some("Elles bougent"));
    assert!(soudure.all_day, "a date without a time is all-day");
    assert_eq!(soudure.starts_at, at(paris, 2024, 3, 12, 0, 0));
    assert_eq!(soudure.ends_at, Some(at(paris, 2024, 3, 13, 0, 0)));
    assert_eq!(soudure.timezone, "Europe/Paris");
    assert_eq!(soudure.open_to_public, Some(true));
    assert_eq!(soudure.url.as_deref(), Some("https://example.org/soudure"));
    assert!(soudure.uid.starts_with("csv-"));

    let visite = &parsed.events[1];
    assert_eq!(visite.title, "Visite d'usine; ligne d'assemblage");
    assert_eq!(visite.location_name.as_deref(), Some("Usine Renault, Flins"));
    assert_eq!(visite.description.as_deref(), Some("Visite guidée\r\nsur deux lignes"));
    assert_eq!(visite.author, None);
    assert_eq!(visite.organiser.as_deref(), Some("Femmes & Industrie"));
    assert!(!visite.all_day);
    // 5 April 2024 is summer time in Paris (+02:00).
    assert_eq!(visite.starts_at, utc("2024-04-05T14:30:00+02:00"));
    assert_eq!(visite.ends_at, None);
    assert_eq!(visite.open_to_public, Some(false));
    assert_eq!(visite.url, None);

    let forum = &parsed.events[2];
    assert_eq!(forum.starts_at, utc("2024-04-06T09:15:00+02:00"), "dd/mm/yy HHhMM");
    assert_eq!(forum.description, None);
    assert_eq!(forum.author, None);
    assert_eq!(forum.open_to_public, Some(true));
}

#[test]
fn uids_are_stable_across_imports_and_identical_rows_are_merged() {
    let text = format!(
        "{WORKSHOP_HEADER}\nAtelier;Lab;;;;12/03/2024 10:00;Oui;\nAtelier;Lab;;;;12/03/2024 10:00;Oui;\nAtelier;Lab;;;;13/03/2024 10:00;Oui;\n"
    );
    let first = parse(text.as_bytes(), &options()).expect("parses");
    let again = parse(text.as_bytes(), &options()).expect("parses");
    assert_eq!(first.events.len(), 2);
    assert_eq!(first.events, again.events);
    assert_ne!(first.events[0].uid, first.events[1].uid);
    // Stored ids: a hash of the title, the start (RFC 3339, UTC) and the place, which
    // earlier imports wrote and later ones must find again.
    assert_eq!(first.events[0].uid, "csv-a44eefd9e408e80447ac70e00cba026c");
    assert_eq!(first.events[1].uid, "csv-8b1a6490135db85968007ee4d89e3aab");
    assert_eq!(first.warnings.len(), 1, "{:?}", first.warnings);
    assert!(
        first.warnings[0].starts_with("line 3: same uid as line 2"),
        "{:?}",
        first.warnings
    );
}

#[test]
fn comma_separated_utf8_with_bom_and_english_names() {
    let text = "\u{feff}title,starts_at,ends_at,location_name,city,postal_code,open_to_public,status,categories,all_day\r\n\
                \"Coding night, edition 3\",2024-03-12 18:00,2024-03-12 21:30,Le Hub,Nantes,44000,yes,,\"robotique, code\",\r\n\
                Salon,2024-03-20,2024-03-22,Parc Expo,Paris,75015,no,annulé,,\r\n\
                Webinaire,2024-03-25T10:00:00Z,,,,,true,cancelled,,0\r\n\
                Stage,2024-03-26 09:00,,,,,1,,,Oui\r\n";
    let parsed = parse(text.as_bytes(), &options()).expect("parses");
    assert!(parsed.warnings.is_empty(), "{:?}", parsed.warnings);
    assert_eq!(parsed.events.len(), 4);
    let paris = chrono_tz::Europe::Paris;

    let night = &parsed.events[0];
    assert_eq!(
        night.title, "Coding night, edition 3",
        "the BOM is not part of the first header"
    );
    assert_eq!(night.starts_at, at(paris, 2024, 3, 12, 18, 0));
    assert_eq!(night.ends_at, Some(at(paris, 2024, 3, 12, 21, 30)));
    assert_eq!(night.city.as_deref(), Some("Nantes"));
    assert_eq!(night.postal_code.as_deref(), Some("44000"));
    assert_eq!(night.categories, vec!["robotique".to_string(), "code".to_string()]);
    assert!(!night.cancelled);

    let salon = &parsed.events[1];
    assert!(salon.all_day);
    assert!(salon.cancelled, "annulé");
    assert_eq!(salon.starts_at, at(paris, 2024, 3, 20, 0, 0));
    // The last day is inclusive: the stored end is the midnight after 22 March.
    assert_eq!(salon.ends_at, Some(at(paris, 2024, 3, 23, 0, 0)));

    let webinar = &parsed.events[2];
    assert_eq!(webinar.starts_at, utc("2024-03-25T10:00:00Z"));
    assert_eq!(webinar.timezone, "UTC");
    assert!(webinar.cancelled);
    assert!(!webinar.all_day);

    let stage = &parsed.events[3];
    assert!(stage.all_day, "the all_day column");
    assert_eq!(stage.starts_at, at(paris, 2024, 3, 26, 0, 0));
    assert_eq!(stage.ends_at, Some(at(paris, 2024, 3, 27, 0, 0)));
}

#[test]
fn separate_date_and_time_columns() {
    let text = "Titre,Date,Heure de début,Heure de fin,Fuseau horaire\n\
                Conférence,2024-07-01,18:30,20:00,America/Montreal\n\
                Soirée,02/07/2024,22h00,01h00,\n";
    let parsed = parse(text.as_bytes(), &options()).expect("parses");
    assert!(parsed.warnings.is_empty(), "{:?}", parsed.warnings);
    let conference = &parsed.events[0];
    assert_eq!(conference.starts_at, utc("2024-07-01T18:30:00-04:00"));
    assert_eq!(conference.ends_at, Some(utc("2024-07-01T20:00:00-04:00")));
    assert_eq!(conference.timezone, "America/Montreal");
    let evening = &parsed.events[1];
    assert_eq!(evening.starts_at, utc("2024-07-02T22:00:00+02:00"));
    // An end time earlier than the start time is on the next day.
    assert_eq!(evening.ends_at, Some(utc("2024-07-03T01:00:00+02:00")));
}

#[test]
fn csv_columns_maps_unknown_headers() {
    let text = "Intitulé de l'atelier;Quand;Où\nAtelier drone;15/05/2024 14:00;Hangar 12\n";
    let mut options = options();
    // Without a mapping the document has no start column.
    let error = parse(text.as_bytes(), &options).expect_err("is refused").to_string();
    assert!(error.contains("start column"), "{error}");
    assert!(error.contains("\"Quand\""), "{error}");
    options.csv_columns.insert("quand".into(), "start".into());
    options.csv_columns.insert("OU".into(), "location_name".into());
    options
        .csv_columns
        .insert("Intitule de l'atelier".into(), "title".into());
    let parsed = parse(text.as_bytes(), &options).expect("parses");
    assert!(parsed.warnings.is_empty(), "{:?}", parsed.warnings);
    assert_eq!(parsed.events[0].title, "Atelier drone");
    assert_eq!(parsed.events[0].location_name.as_deref(), Some("Hangar 12"));
    assert_eq!(parsed.events[0].starts_at, utc("2024-05-15T14:00:00+02:00"));

    // An explicit mapping wins over the built-in alias.
    let text = "Titre;Date;Date de publication\nA;01/06/2024;02/05/2024\n";
    let mut options = self::options();
    options.csv_columns.insert("Date de publication".into(), "start".into());
    let parsed = parse(text.as_bytes(), &options).expect("parses");
    assert_eq!(
        parsed.events[0].starts_at,
        at(chrono_tz::Europe::Paris, 2024, 5, 2, 0, 0)
    );
    assert_eq!(
        parsed.warnings,
        vec!["column \"Date\" ignored: \"Date de publication\" is already read as start"]
    );

    options.csv_columns.insert("Titre".into(), "name".into());
    let error = parse(text.as_bytes(), &options).expect_err("is refused").to_string();
    assert!(error.contains("\"name\", which is not a target field"), "{error}");
}

#[test]
fn bad_rows_are_reported_with_their_line_and_column_and_good_rows_kept() {
    let text = format!(
        "{WORKSHOP_HEADER}\n\
         Bon atelier;Lab;;;;12/03/2024;Oui;\n\
         ;Lab;Sans titre;;;13/03/2024;Oui;\n\
         Mauvaise date;Lab;;;;32/13/2024;Oui;\n\
         Sans date;Lab;;;;;Oui;\n\
         Heure fausse;Lab;;;;14/03/2024 25:00;peut-être;\n\
         Court;Lab\n\
         Long;Lab;;;;15/03/2024;Non;;en trop\n\
         Peut-être;Lab;;;;16/03/2024;peut-être;\n\
         \n\
         ;;;;;;;\n"
    );
    let parsed = parse(text.as_bytes(), &options()).expect("parses");
    let titles: Vec<&str> = parsed.events.iter().map(|e| e.title.as_str()).collect();
    assert_eq!(titles, ["Bon atelier", "Long", "Peut-être"]);
    assert_eq!(parsed.events[2].open_to_public, None);
    assert_eq!(
        parsed.warnings,
        [
            "line 3: Nom de l'événement: no title, row skipped",
            "line 4: Date: \"32/13/2024\" is not a date (dd/mm/yyyy [HH:MM])",
            "line 5: Date: no start date, row skipped",
            "line 6: Date: \"14/03/2024 25:00\" is not a date (dd/mm/yyyy [HH:MM])",
            "line 7: 2 fields where the header has 8; the missing ones are read as empty",
            "line 7: Date: no start date, row skipped",
            "line 8: 9 fields where the header has 8; the extra ones are ignored",
            "line 9: Ouvert: \"peut-être\" is not yes or no (Oui, Non, yes, no, true, false, 1, 0, x); left unknown",
        ]
    );
    // The rows skipped, for importers, with their line and column apart.
    let rejected: Vec<(u64, Option<&str>)> = parsed.rejected.iter().map(|r| (r.line, r.column.as_deref())).collect();
    assert_eq!(
        rejected,
        [
            (3, Some("Nom de l'événement")),
            (4, Some("Date")),
            (5, Some("Date")),
            (6, Some("Date")),
            (7, Some("Date"))
        ]
    );
    assert_eq!(
        parsed.rejected[1].message,
        "\"32/13/2024\" is not a date (dd/mm/yyyy [HH:MM])"
    );
    assert_eq!(parsed.rejected[0].detail(), "Nom de l'événement: no title, row skipped");
}

#[test]
fn documents_without_the_needed_columns_are_errors() {
    let error = parse(b"foo;bar\n1;2\n", &options())
        .expect_err("is refused")
        .to_string();
    assert!(error.contains("the header has no title column"), "{error}");
    assert!(error.contains("\"foo\", \"bar\""), "{error}");
    // The feed names the option that maps other columns; the importer has none.
    assert!(error.ends_with("(map others with csvColumns)"), "{error}");
    assert!(parse(b"", &options()).is_err());
    assert!(parse(b"\r\n\r\n", &options()).is_err());
}

#[test]
fn excel_sep_line_and_tabs() {
    let parsed = parse(b"sep=,\r\nTitre,Date\r\nA;B,01/02/2024\r\n", &options()).expect("valid test value");
    assert_eq!(parsed.events[0].title, "A;B");
    let parsed = parse(b"Titre\tDate\tLieu\nA\t01/02/2024\tSalle 1\n", &options()).expect("parses");
    assert_eq!(parsed.events[0].location_name.as_deref(), Some("Salle 1"));
}
