//! Places that know their département and région, on both databases: from a feed's postal
//! code (Corsica by commune, the overseas départements), a one-line place in an iCalendar
//! `LOCATION` or a spreadsheet's `Lieu`, GraphQL writes of events, organisations and
//! contacts; an unknown code is left empty with a warning, and what a person typed is kept.
//! A région-filtered calendar and search then find the events.

use serde_json::{Value, json};

use crate::common::feed_server::{FeedServer, Reply};
use crate::common::{self, TestApp, apps, organisation, upload};

/// A CSV feed whose events carry a postal code and nothing else of their place.
const CODES: &str = "title,starts_at,postal_code\r\n\
Forum Besançon,2031-03-14T09:00:00+01:00,25000\r\n\
Forum Ajaccio,2031-03-15T09:00:00+01:00,20000\r\n\
Forum Bastia,2031-03-16T09:00:00+01:00,20200\r\n\
Forum Saint-Denis,2031-03-17T09:00:00+04:00,97400\r\n\
Forum inconnu,2031-03-18T09:00:00+01:00,99999\r\n";

const LOCATION: &str = "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//test//EN\r\n\
BEGIN:VEVENT\r\nUID:fablab-1\r\nDTSTAMP:20270101T000000Z\r\nDTSTART:20310320T090000Z\r\n\
SUMMARY:Atelier robotique au fablab\r\nLOCATION:Fablab de Villeurbanne\\, 12 rue des Arts\\, 69100 Villeurbanne\r\nEND:VEVENT\r\n\
END:VCALENDAR\r\n";

/// The workshop's events layout, a `Lieu` of one line.
const LIEU: &str = "Nom de l'événement;Lieu;Description;Auteur;Organisateur;Date;Ouvert;Lien\r\n\
Découverte des métiers de l'ingénieure;Lycée Jean Moulin, Lyon;Rencontres;;;21/03/2031 10:00;Oui;\r\n";

const EVENT: &str = "title location { name address postalCode city departement region }";

async fn event_titled(app: &TestApp, title: &str) -> Value {
    let data = app
        .data(
            &format!("{{ events(first: 100) {{ nodes {{ {EVENT} }} }} }}"),
            json!({}),
        )
        .await;
    data["events"]["nodes"]
        .as_array()
        .expect("events")
        .iter()
        .find(|e| e["title"] == title)
        .unwrap_or_else(|| panic!("[{}] no event {title:?}: {data}", app.backend))
        .clone()
}

fn place(e: &Value) -> (Option<&str>, Option<&str>, Option<&str>, Option<&str>) {
    let l = &e["location"];
    (
        l["postalCode"].as_str(),
        l["city"].as_str(),
        l["departement"].as_str(),
        l["region"].as_str(),
    )
}

#[tokio::test]
async fn feed_events_are_placed_by_their_postal_codes_and_an_unknown_one_is_reported() {
    let server = FeedServer::start().await;
    for app in apps(false).await {
        let org = organisation(&app, "elles-bougent", "Elles Bougent", json!({})).await;
        server.set("/codes.csv", Reply::file("text/csv", CODES));
        let feed = common::feed(&app, &org, &server.url("/codes.csv"), json!({ "format": "CSV" })).await;
        let (run, _) = common::sync(&app, &feed).await;
        assert_eq!(run["created"], 5, "[{}] {run}", app.backend);
        assert_eq!(
            place(&event_titled(&app, "Forum Besançon").await),
            (
                Some("25000"),
                Some("Besançon"),
                Some("25"),
                Some("BOURGOGNE_FRANCHE_COMTE")
            )
        );
        assert_eq!(
            place(&event_titled(&app, "Forum Ajaccio").await),
            (Some("20000"), Some("Ajaccio"), Some("2A"), Some("CORSE"))
        );
        assert_eq!(place(&event_titled(&app, "Forum Bastia").await).2, Some("2B"));
        assert_eq!(
            place(&event_titled(&app, "Forum Saint-Denis").await),
            (Some("97400"), Some("Saint-Denis"), Some("974"), Some("LA_REUNION"))
        );
        assert_eq!(
            place(&event_titled(&app, "Forum inconnu").await),
            (Some("99999"), None, None, None)
        );
        let warnings: Vec<&str> = run["warnings"]
            .as_array()
            .expect("warnings")
            .iter()
            .filter_map(Value::as_str)
            .collect();
        assert!(
            warnings
                .iter()
                .any(|w| w.contains("code postal 99999 inconnu") && w.contains("unknown postal code 99999")),
            "[{}] {warnings:?}",
            app.backend
        );
        assert_eq!(warnings.len(), 1, "[{}] {warnings:?}", app.backend);
        // A re-pull of the same feed changes nothing: places are derived the same way.
        let (again, _) = common::sync(&app, &feed).await;
        assert_eq!(
            (again["created"].as_i64(), again["updated"].as_i64()),
            (Some(0), Some(0)),
            "{again}"
        );
        app.stop().await;
    }
}

#[tokio::test]
async fn one_line_places_get_their_city_and_region_and_filters_then_find_them() {
    let server = FeedServer::start().await;
    for app in apps(false).await {
        let org = organisation(&app, "fablabs", "Réseau des fablabs", json!({})).await;
        server.set("/fablab.ics", Reply::file("text/calendar", LOCATION));
        let feed = common::feed(&app, &org, &server.url("/fablab.ics"), json!({ "format": "ICAL" })).await;
        let (run, _) = common::sync(&app, &feed).await;
        assert_eq!(run["created"], 1, "[{}] {run}", app.backend);
        let fablab = event_titled(&app, "Atelier robotique au fablab").await;
        assert_eq!(
            place(&fablab),
            (
                Some("69100"),
                Some("Villeurbanne"),
                Some("69"),
                Some("AUVERGNE_RHONE_ALPES")
            )
        );
        assert_eq!(
            fablab["location"]["name"], "Fablab de Villeurbanne, 12 rue des Arts, 69100 Villeurbanne",
            "the text stays as written"
        );

        let token = app.admin_token.clone();
        let imported = upload(
            &app,
            Some(&token),
            "EVENTS",
            LIEU.as_bytes(),
            json!({ "organisationId": org }),
        )
        .await;
        assert_eq!(
            imported["data"]["importCsv"]["created"], 1,
            "[{}] {imported}",
            app.backend
        );
        let lycee = event_titled(&app, "Découverte des métiers de l'ingénieure").await;
        assert_eq!(
            place(&lycee),
            (None, Some("Lyon"), Some("69"), Some("AUVERGNE_RHONE_ALPES")),
            "[{}]",
            app.backend
        );
        assert_eq!(lycee["location"]["name"], "Lycée Jean Moulin, Lyon");

        // A région-filtered public calendar finds both.
        let resp = app
            .client
            .get(format!("{}/calendar.ics?region=AUVERGNE_RHONE_ALPES", app.base))
            .send()
            .await
            .expect("sent");
        let text = resp.text().await.expect("a body");
        assert_eq!(text.matches("BEGIN:VEVENT").count(), 2, "[{}] {text}", app.backend);
        // So does a private link filtered on the city of Lyon, for the Lyon one.
        let member = app
            .account("membre@fablabs.example.org", entity::Role::Member, Some(&org))
            .await;
        let link = app
            .gql_as(
                Some(&member),
                "mutation { createCalendarSubscription(filter: { city: \"Lyon\" }) { url } }",
                json!({}),
            )
            .await;
        let url = link["data"]["createCalendarSubscription"]["url"]
            .as_str()
            .expect("a url");
        let text = app
            .client
            .get(url)
            .send()
            .await
            .expect("sent")
            .text()
            .await
            .expect("a body");
        assert_eq!(text.matches("BEGIN:VEVENT").count(), 1, "[{}] {text}", app.backend);
        assert!(
            text.contains("SUMMARY:Découverte des métiers de l'ingénieure"),
            "{text}"
        );

        // And a région-filtered search.
        app.index().await;
        let found = app
            .data(
                "query($f: SearchFilter) { search(query: \"atelier robotique\", filter: $f) { edges { node { ... on Event { title } } } } }",
                json!({ "f": { "regions": ["AUVERGNE_RHONE_ALPES"] } }),
            )
            .await;
        let titles: Vec<&str> = found["search"]["edges"]
            .as_array()
            .expect("edges")
            .iter()
            .filter_map(|e| e["node"]["title"].as_str())
            .collect();
        assert_eq!(titles, ["Atelier robotique au fablab"], "[{}] {found}", app.backend);
        let found = app
            .data(
                "query($f: SearchFilter) { search(query: \"metiers ingenieure\", filter: $f) { edges { node { ... on Event { title } } } } }",
                json!({ "f": { "regions": ["AUVERGNE_RHONE_ALPES"], "cities": ["Lyon"] } }),
            )
            .await;
        assert_eq!(
            found["search"]["edges"].as_array().map(Vec::len),
            Some(1),
            "[{}] {found}",
            app.backend
        );
        app.stop().await;
    }
}

#[tokio::test]
async fn what_a_person_typed_is_kept_and_records_are_placed_on_every_write() {
    for app in apps(false).await {
        // Typed: the région stays, the missing département is filled.
        let id = common::event(
            &app,
            json!({ "title": "Salon", "startsAt": "2031-01-01T09:00:00Z",
                    "location": { "postalCode": "25000", "region": "ILE_DE_FRANCE", "city": "Besançon (centre)" } }),
        )
        .await;
        let e = app
            .data(
                &format!("query($id: ID!) {{ event(id: $id) {{ {EVENT} }} }}"),
                json!({ "id": id }),
            )
            .await;
        assert_eq!(
            place(&e["event"]),
            (
                Some("25000"),
                Some("Besançon (centre)"),
                Some("25"),
                Some("ILE_DE_FRANCE")
            ),
            "[{}]",
            app.backend
        );

        // Organisations and contacts are placed too, and move with their postal code.
        let org = organisation(
            &app,
            "lycee-reunion",
            "Lycée de La Réunion",
            json!({ "kind": "SCHOOL", "postalCode": "97400" }),
        )
        .await;
        let read = "query($id: ID!) { organisation(id: $id) { postalCode city departement region } }";
        let o = app.data(read, json!({ "id": org })).await;
        assert_eq!(
            o["organisation"],
            json!({ "postalCode": "97400", "city": "Saint-Denis", "departement": "974", "region": "LA_REUNION" })
        );
        app.data(
            "mutation($id: ID!) { updateOrganisation(id: $id, input: { postalCode: \"97600\", city: null }) { organisation { id } } }",
            json!({ "id": org }),
        )
        .await;
        let o = app.data(read, json!({ "id": org })).await;
        assert_eq!(
            (
                o["organisation"]["departement"].as_str(),
                o["organisation"]["region"].as_str()
            ),
            (Some("976"), Some("MAYOTTE"))
        );

        let contact = app
            .data(
                "mutation($input: CreateContactInput!) { createContact(input: $input) { contact { postalCode city departement region } } }",
                json!({ "input": { "firstName": "Lina", "lastName": "Durand", "city": "Bastia" } }),
            )
            .await;
        assert_eq!(
            contact["createContact"]["contact"],
            json!({ "postalCode": null, "city": "Bastia", "departement": "2B", "region": "CORSE" }),
            "[{}] Bastia has two postal codes: none is guessed",
            app.backend
        );

        // Spreadsheet contacts with a postal code column.
        let sheet = "Prénom;Nom;Code postal;Ville\r\nNoé;Petit;20000;\r\nAda;Roux;99999;\r\n";
        let token = app.admin_token.clone();
        let report = upload(
            &app,
            Some(&token),
            "CONTACTS",
            sheet.as_bytes(),
            json!({ "organisationId": org }),
        )
        .await;
        assert_eq!(report["data"]["importCsv"]["created"], 2, "[{}] {report}", app.backend);
        let warnings = report["data"]["importCsv"]["warnings"].to_string();
        assert!(
            warnings.contains("code postal 99999 inconnu"),
            "[{}] {warnings}",
            app.backend
        );
        let listed = app
            .data(
                "{ contacts(first: 10) { nodes { lastName departement region city } } }",
                json!({}),
            )
            .await;
        let petit = listed["contacts"]["nodes"]
            .as_array()
            .expect("contacts")
            .iter()
            .find(|c| c["lastName"] == "Petit")
            .expect("Petit")
            .clone();
        assert_eq!(
            petit,
            json!({ "lastName": "Petit", "departement": "2A", "region": "CORSE", "city": "Ajaccio" })
        );
        app.stop().await;
    }
}
