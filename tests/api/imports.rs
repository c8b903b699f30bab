//! Spreadsheet imports, on the command line and through a GraphQL upload: the workshop's
//! French layouts (semicolon, Windows-1252, dd/mm/yyyy), bad rows, dry runs, re-imports.

use entity::event::{Column as C, Entity as Events};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde_json::{Value, json};

use crate::common::{self, apps, error_code, organisation, upload};

/// The workshop's events layout, as Excel saves it in French: `;` and Windows-1252.
const EVENTS_FR: &str = "Nom de l'événement;Lieu;Description;Auteur;Organisateur;Date;Ouvert;Lien\r\n\
Forum des métiers de l'industrie;Lycée Jules Haag, Besançon;Rencontres avec des ingénieures;Camille Martin;CMQ MSI;14/03/2027 09:30;Oui;https://example.org/forum\r\n\
Journée « Sciences de l'ingénieur au féminin »;ENSMM;Ateliers et visites;;ENSMM;02/04/2027;Non;\r\n";

const RESOURCES_FR: &str = "Objet;Contenu;Description;Lien;Auteur;Libre de droit\r\n\
Vidéo;Portrait d'une ingénieure en mécanique;Trois minutes de témoignage;https://example.org/video;Elles Bougent;Oui\r\n\
PPT;Présentation des métiers du numérique;Diaporama pour les collèges;;CMQ ITN;Non\r\n\
Mallette;Mallette « Femmes et Microtechniques »;Kit pédagogique;;CMQ MSI;non\r\n";

const CONTACTS_FR: &str = "Prénom;Nom;Fonction;E-mail;Téléphone;Ville;Publics\r\n\
Camille;Martin;Chargée de mission;camille.martin@example.org;+33 1 99 00 12 34;Besançon;lycée, collège\r\n\
Inès;Durand;Ingénieure;ines.durand@example.org;;Lille;\r\n";

fn windows_1252(text: &str) -> Vec<u8> {
    let (bytes, _, unmappable) = encoding_rs::WINDOWS_1252.encode(text);
    assert!(!unmappable, "the fixture fits Windows-1252");
    bytes.into_owned()
}

#[tokio::test]
async fn french_layouts_import_through_a_graphql_upload() {
    for app in apps(false).await {
        let org = organisation(&app, "cmq-msi", "Campus des métiers MSI", json!({})).await;
        let events = windows_1252(EVENTS_FR);
        let body = upload(
            &app,
            Some(&app.admin_token),
            "EVENTS",
            &events,
            json!({ "organisationId": org }),
        )
        .await;
        let report = &body["data"]["importCsv"];
        assert_eq!(
            (
                report["rows"].as_i64(),
                report["created"].as_i64(),
                report["written"].as_bool()
            ),
            (Some(2), Some(2), Some(true)),
            "[{}] {body}",
            app.backend
        );
        let stored = Events::find()
            .filter(C::OrganiserId.eq(uuid::Uuid::parse_str(&org).expect("an id")))
            .all(app.db())
            .await
            .expect("events");
        let forum = stored
            .iter()
            .find(|e| e.title == "Forum des métiers de l'industrie")
            .expect("the forum");
        assert_eq!(forum.starts_at.to_rfc3339(), "2027-03-14T08:30:00+00:00");
        assert_eq!(forum.timezone, "Europe/Paris");
        assert!(forum.open_to_public);
        assert_eq!(forum.location_name.as_deref(), Some("Lycée Jules Haag, Besançon"));
        assert_eq!(forum.organiser_name.as_deref(), Some("CMQ MSI"));
        assert_eq!(forum.author.as_deref(), Some("Camille Martin"));
        assert_eq!(forum.url.as_deref(), Some("https://example.org/forum"));
        let day = stored
            .iter()
            .find(|e| e.title == "Journée « Sciences de l'ingénieur au féminin »")
            .expect("the day");
        assert!(day.all_day);
        assert!(!day.open_to_public);
        assert_eq!(day.starts_at.to_rfc3339(), "2027-04-01T22:00:00+00:00");

        // The same file again: nothing new.
        let body = upload(
            &app,
            Some(&app.admin_token),
            "EVENTS",
            &events,
            json!({ "organisationId": org }),
        )
        .await;
        let report = &body["data"]["importCsv"];
        assert_eq!(
            (report["created"].as_i64(), report["unchanged"].as_i64()),
            (Some(0), Some(2)),
            "{body}"
        );

        // Resources in the workshop's layout (no title column: the content stands for it).
        let body = upload(
            &app,
            Some(&app.admin_token),
            "RESOURCES",
            &windows_1252(RESOURCES_FR),
            json!({ "organisationId": org }),
        )
        .await;
        assert_eq!(body["data"]["importCsv"]["created"], 3, "{body}");
        let data = app
            .data(
                "{ resources(first: 10, orderBy: TITLE_ASC) { nodes { title kind freeOfRights url author } } }",
                json!({}),
            )
            .await;
        let nodes = data["resources"]["nodes"].as_array().expect("a list").clone();
        let video = nodes.iter().find(|n| n["kind"] == "VIDEO").expect("the video");
        assert_eq!(video["title"], "Portrait d'une ingénieure en mécanique");
        assert_eq!(video["freeOfRights"], true);
        assert_eq!(video["author"], "Elles Bougent");
        assert!(nodes.iter().any(|n| n["kind"] == "SLIDE_DECK"));
        assert!(
            nodes
                .iter()
                .any(|n| n["kind"] == "TEACHING_KIT" && n["freeOfRights"] == false)
        );

        // Contacts with French headers, comma-separated UTF-8 with a BOM.
        let contacts = format!("\u{feff}{}", CONTACTS_FR.replace(';', ","));
        let contacts = contacts.replace("Besançon,lycée, collège", "Besançon,\"lycée, collège\"");
        let body = upload(
            &app,
            Some(&app.admin_token),
            "CONTACTS",
            contacts.as_bytes(),
            json!({ "organisationId": org }),
        )
        .await;
        assert_eq!(body["data"]["importCsv"]["created"], 2, "{body}");
        let data = app
            .data(
                "{ contacts(first: 10) { nodes { firstName lastName email jobTitle audiences } } }",
                json!({}),
            )
            .await;
        let camille = data["contacts"]["nodes"]
            .as_array()
            .expect("a list")
            .iter()
            .find(|n| n["firstName"] == "Camille")
            .expect("Camille")
            .clone();
        assert_eq!(camille["email"], "camille.martin@example.org");
        assert_eq!(camille["jobTitle"], "Chargée de mission");
        assert_eq!(camille["audiences"], json!(["LYCEE", "COLLEGE"]));
        app.stop().await;
    }
}

#[tokio::test]
async fn bad_rows_are_all_listed_and_nothing_is_written() {
    for app in apps(false).await {
        let org = organisation(&app, "eb", "Elles Bougent", json!({})).await;
        let bad = "Nom de l'événement;Lieu;Description;Auteur;Organisateur;Date;Ouvert;Lien\r\n\
                   Bon atelier;Lyon;;;;10/05/2027;Oui;\r\n\
                   ;Paris;sans titre;;;11/05/2027;Oui;\r\n\
                   Mauvaise date;Lille;;;;32/13/2027;Oui;\r\n\
                   Autre bon atelier;Nantes;;;;12/05/2027 14:00;Non;\r\n\
                   Sans date;Rennes;;;;;Oui;\r\n";
        let bytes = windows_1252(bad);
        let count = async || {
            Events::find()
                .filter(C::OrganiserId.eq(uuid::Uuid::parse_str(&org).expect("an id")))
                .all(app.db())
                .await
                .expect("events")
                .len()
        };
        for extra in [
            json!({ "organisationId": org }),
            json!({ "organisationId": org, "dryRun": true }),
        ] {
            let body = upload(&app, Some(&app.admin_token), "EVENTS", &bytes, extra).await;
            let report = &body["data"]["importCsv"];
            assert_eq!(report["written"], false, "{body}");
            let lines: Vec<i64> = report["errors"]
                .as_array()
                .expect("errors")
                .iter()
                .filter_map(|e| e["line"].as_i64())
                .collect();
            assert_eq!(lines, vec![3, 4, 6], "{body}");
            assert!(
                report["errors"][1]["message"]
                    .as_str()
                    .unwrap_or_default()
                    .contains("32/13/2027"),
                "{body}"
            );
            assert_eq!((report["rows"].as_i64(), report["valid"].as_i64()), (Some(5), Some(2)));
            assert_eq!(count().await, 0, "nothing written");
        }
        // With skipInvalid the good rows go in.
        let body = upload(
            &app,
            Some(&app.admin_token),
            "EVENTS",
            &bytes,
            json!({ "organisationId": org, "skipInvalid": true }),
        )
        .await;
        assert_eq!(body["data"]["importCsv"]["created"], 2, "{body}");
        assert_eq!(count().await, 2);

        // A file without the needed columns is refused as a whole.
        let body = upload(
            &app,
            Some(&app.admin_token),
            "CONTACTS",
            b"foo;bar\r\n1;2\r\n",
            json!({ "organisationId": org }),
        )
        .await;
        assert_eq!(error_code(&body), "BAD_USER_INPUT", "{body}");
        assert!(
            body["errors"][0]["message"]
                .as_str()
                .unwrap_or_default()
                .contains("first_name")
        );

        // Only editors of the organisation (and admins) import.
        let member = app.account("m@example.org", entity::Role::Member, Some(&org)).await;
        let body = upload(&app, Some(&member), "EVENTS", &bytes, json!({})).await;
        assert_eq!(error_code(&body), "FORBIDDEN", "{body}");
        let editor = app.account("e@example.org", entity::Role::Editor, Some(&org)).await;
        let body = upload(&app, Some(&editor), "EVENTS", &bytes, json!({ "dryRun": true })).await;
        assert_eq!(body["data"]["importCsv"]["valid"], 2, "{body}");
        let body = upload(&app, None, "EVENTS", &bytes, json!({ "organisationId": org })).await;
        assert_eq!(error_code(&body), "UNAUTHENTICATED", "{body}");
        app.stop().await;
    }
}

#[tokio::test]
async fn the_command_line_imports_with_a_dry_run_and_no_duplicates() {
    let dir = std::env::temp_dir().join(format!("passerelle-import-{}", uuid::Uuid::new_v4()));
    std::fs::create_dir_all(&dir).expect("a directory");
    let config = common::sqlite_config(&dir);
    let running = passerelle::startup::start(&config, true)
        .await
        .expect("starts with the demo data");
    running.stop().await.expect("stops");
    let file = dir.join("ressources.csv");
    std::fs::write(&file, windows_1252(RESOURCES_FR)).expect("written");
    let cli = |args: &[&str]| {
        std::process::Command::new(env!("CARGO_BIN_EXE_passerelle"))
            .args(args)
            .env("PASSERELLE_DATA_DIR", &dir)
            .env_remove("PASSERELLE_DATABASE_URL")
            .output()
            .expect("the command runs")
    };
    let path = file.to_string_lossy().to_string();
    let run = |extra: &[&str]| {
        let mut args = vec![
            "import",
            "resources",
            path.as_str(),
            "--organisation",
            "cmq-msi-bfc",
            "--json",
        ];
        args.extend_from_slice(extra);
        let out = cli(&args);
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        serde_json::from_slice::<Value>(&out.stdout).expect("a JSON report")
    };
    let dry = run(&["--dry-run"]);
    assert_eq!(
        (dry["valid"].as_i64(), dry["written"].as_bool()),
        (Some(3), Some(false)),
        "{dry}"
    );
    let first = run(&[]);
    assert_eq!(first["created"], 3, "{first}");
    let again = run(&[]);
    assert_eq!(
        (again["created"].as_i64(), again["unchanged"].as_i64()),
        (Some(0), Some(3)),
        "{again}"
    );
    // Bad rows: every error on stdout, a failing exit code, nothing written.
    std::fs::write(
        &file,
        "Objet;Contenu;Description;Lien;Auteur;Libre de droit\r\nVidéo;Bon;;pas un lien;;Oui\r\nPPT;;;;;peut-être\r\n",
    )
    .expect("written");
    let out = cli(&["import", "resources", &path, "--organisation", "cmq-msi-bfc"]);
    assert!(!out.status.success());
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("line 2: Lien"), "{stdout}");
    assert!(stdout.contains("line 3:"), "{stdout}");
    assert!(stdout.contains("nothing written"), "{stdout}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test]
async fn the_csv_exports_import_back() {
    for app in apps(false).await {
        let from = organisation(&app, "source", "Source", json!({})).await;
        let to = organisation(&app, "cible", "Cible", json!({})).await;
        common::event(
            &app,
            json!({ "title": "Forum =SOMME(A1)", "startsAt": "2027-05-10T08:00:00Z", "endsAt": "2027-05-10T10:00:00Z",
                    "timezone": "Europe/Paris", "organiserId": from, "visibility": "PARTNERS",
                    "audiences": ["LYCEE", "PARENTS"], "tags": ["industrie"], "location": { "name": "Lycée", "city": "Lille", "region": "HAUTS_DE_FRANCE" } }),
        )
        .await;
        common::event(
            &app,
            json!({ "title": "Journée portes ouvertes", "startsAt": "2027-06-01T22:00:00Z", "allDay": true,
                    "timezone": "Europe/Paris", "organiserId": from, "openToPublic": false }),
        )
        .await;
        app.data(
            "mutation($input: CreateContactInput!) { createContact(input: $input) { contact { id } } }",
            json!({ "input": { "organisationId": from, "firstName": "Inès", "lastName": "Durand", "email": "ines@example.org",
                               "phone": "+33 3 20 00 00 00", "audiences": ["COLLEGE"], "visibility": "PARTNERS" } }),
        )
        .await;
        app.data(
            "mutation($input: CreateResourceInput!) { createResource(input: $input) { resource { id } } }",
            json!({ "input": { "organisationId": from, "kind": "VIDEO", "title": "Portrait", "url": "https://example.org/v",
                               "freeOfRights": true, "tags": ["portrait"] } }),
        )
        .await;
        for (kind, path, expected) in [
            ("EVENTS", "events", 2),
            ("CONTACTS", "contacts", 1),
            ("RESOURCES", "resources", 1),
        ] {
            let csv = app
                .client
                .get(format!("{}/{path}.csv?organisation=source", app.base))
                .bearer_auth(&app.admin_token)
                .send()
                .await
                .expect("sent")
                .bytes()
                .await
                .expect("a body");
            // Into the same organisation: every row matches what it was exported from.
            let body = upload(
                &app,
                Some(&app.admin_token),
                kind,
                &csv,
                json!({ "organisationId": from }),
            )
            .await;
            let report = &body["data"]["importCsv"];
            assert_eq!(
                (
                    report["unchanged"].as_i64(),
                    report["created"].as_i64(),
                    report["errors"].as_array().map(Vec::len)
                ),
                (Some(expected), Some(0), Some(0)),
                "[{}] {kind}: {body}",
                app.backend
            );
            // Into another organisation: new records with the same content.
            let body = upload(
                &app,
                Some(&app.admin_token),
                kind,
                &csv,
                json!({ "organisationId": to }),
            )
            .await;
            assert_eq!(
                body["data"]["importCsv"]["created"], expected,
                "[{}] {kind}: {body}",
                app.backend
            );
        }
        let data = app
            .data(
                "query($o: ID) { events(filter: { organisationId: $o }) { nodes { title visibility audiences tags allDay openToPublic startsAt location { city region } } } }",
                json!({ "o": to }),
            )
            .await;
        let nodes = data["events"]["nodes"].as_array().expect("a list");
        let forum = nodes
            .iter()
            .find(|n| n["title"] == "Forum =SOMME(A1)")
            .expect("the formula-like title came back");
        assert_eq!(forum["visibility"], "PARTNERS");
        assert_eq!(forum["audiences"], json!(["LYCEE", "PARENTS"]));
        assert_eq!(forum["tags"], json!(["industrie"]));
        let instant = |v: &Value| chrono::DateTime::parse_from_rfc3339(v.as_str().unwrap_or_default()).expect("a time");
        assert_eq!(instant(&forum["startsAt"]), instant(&json!("2027-05-10T08:00:00Z")));
        assert_eq!(forum["location"]["region"], "HAUTS_DE_FRANCE");
        let day = nodes
            .iter()
            .find(|n| n["title"] == "Journée portes ouvertes")
            .expect("the day");
        assert_eq!(
            (day["allDay"].as_bool(), day["openToPublic"].as_bool()),
            (Some(true), Some(false))
        );
        assert_eq!(instant(&day["startsAt"]), instant(&json!("2027-06-01T22:00:00Z")));
        let data = app
            .data("query($o: ID) { contacts(filter: { organisationId: $o }) { nodes { phone email visibility audiences } } }", json!({ "o": to }))
            .await;
        assert_eq!(data["contacts"]["nodes"][0]["phone"], "+33 3 20 00 00 00");
        assert_eq!(data["contacts"]["nodes"][0]["visibility"], "PARTNERS");
        app.stop().await;
    }
}
