//! Spreadsheet imports, on the command line and through a GraphQL upload: the workshop's
//! French layouts (semicolon, Windows-1252, dd/mm/yyyy), workbooks (.xlsx, .ods), bad rows,
//! dry runs that say what the real run would do, re-imports, exports imported back, and
//! columns a file lacks that must not erase anything.

use entity::event::{Column as C, Entity as Events};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde_json::{Value, json};

use crate::common::{self, TestApp, apps, error_code, organisation, upload};

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
        "Objet;Contenu;Description;Lien;Auteur;Libre de droit\r\nVidéo;Bon;;pas un lien;;Oui\r\nPPT;Diaporama;;;;peut-être\r\n",
    )
    .expect("written");
    let out = cli(&["import", "resources", &path, "--organisation", "cmq-msi-bfc"]);
    assert!(!out.status.success());
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("line 2: refusée / refused"), "{stdout}");
    assert!(
        stdout.contains("error: Lien: url must be an absolute http or https URL"),
        "{stdout}"
    );
    assert!(stdout.contains("line 3: refusée / refused"), "{stdout}");
    assert!(
        stdout.contains("error: Libre de droit: \"peut-être\" is not yes or no"),
        "{stdout}"
    );
    assert!(stdout.contains("2 rows, 0 valid, 2 with errors"), "{stdout}");
    assert!(stdout.contains("nothing written"), "{stdout}");
    // With --skip-invalid the good rows go in, and the refused ones still fail the command,
    // as the README says.
    std::fs::write(
        &file,
        "Objet;Contenu;Description;Lien;Auteur;Libre de droit\r\nVidéo;Bon;;https://example.org/bon;;Oui\r\nPPT;Autre;;;;peut-être\r\n",
    )
    .expect("written");
    let out = cli(&[
        "import",
        "resources",
        &path,
        "--organisation",
        "cmq-msi-bfc",
        "--skip-invalid",
    ]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(!out.status.success(), "{stdout}");
    assert!(stdout.contains("line 2: créée / created"), "{stdout}");
    assert!(stdout.contains("1 created"), "{stdout}");
    // A dry run of the same file says what the real run would do, row by row.
    let dry = run_failing(&cli, &path, &["--dry-run", "--json"]);
    assert_eq!(dry["lines"][0]["outcome"], "UNCHANGED", "{dry}");
    assert_eq!(dry["lines"][1]["outcome"], "REFUSED", "{dry}");
    assert_eq!(
        (dry["rows"].as_i64(), dry["refused"].as_i64()),
        (Some(2), Some(1)),
        "{dry}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

/// Runs `import resources PATH` expecting it to fail (refused rows), and reads its JSON report.
fn run_failing(cli: &dyn Fn(&[&str]) -> std::process::Output, path: &str, extra: &[&str]) -> Value {
    let mut args = vec!["import", "resources", path, "--organisation", "cmq-msi-bfc"];
    args.extend_from_slice(extra);
    let out = cli(&args);
    assert!(!out.status.success(), "{}", String::from_utf8_lossy(&out.stdout));
    serde_json::from_slice(&out.stdout).expect("a JSON report")
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
            // Into another organisation: the rows name theirs, and are skipped, never copied.
            let body = upload(
                &app,
                Some(&app.admin_token),
                kind,
                &csv,
                json!({ "organisationId": to }),
            )
            .await;
            let report = &body["data"]["importCsv"];
            assert_eq!(
                (report["created"].as_i64(), report["skipped"].as_i64()),
                (Some(0), Some(expected)),
                "[{}] {kind}: {body}",
                app.backend
            );
            assert!(
                report["lines"][0]["reason"]
                    .as_str()
                    .unwrap_or_default()
                    .contains("not the importing organisation"),
                "{body}"
            );
            // Without the columns that say whose they are (uid, organisation), the same rows
            // are new records of the importing organisation, with the same content.
            let stripped = without_columns(&csv, &["uid", "organisation"]);
            let body = upload(
                &app,
                Some(&app.admin_token),
                kind,
                stripped.as_bytes(),
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

/// `csv` (a comma-separated export) without the named columns.
fn without_columns(csv: &[u8], names: &[&str]) -> String {
    let text = String::from_utf8_lossy(csv);
    let mut reader = ::csv::ReaderBuilder::new().from_reader(text.trim_start_matches('\u{feff}').as_bytes());
    let headers = reader.headers().expect("a header").clone();
    let keep: Vec<usize> = (0..headers.len()).filter(|i| !names.contains(&&headers[*i])).collect();
    let mut out = ::csv::Writer::from_writer(Vec::new());
    out.write_record(keep.iter().map(|i| &headers[*i])).expect("written");
    for row in reader.records() {
        let row = row.expect("a row");
        out.write_record(keep.iter().map(|i| &row[*i])).expect("written");
    }
    String::from_utf8(out.into_inner().expect("flushed")).expect("UTF-8")
}

/// What an import report says, in short: (created, updated, unchanged, skipped, refused).
fn counts(report: &Value) -> (i64, i64, i64, i64, i64) {
    let n = |k: &str| report[k].as_i64().unwrap_or(-1);
    (n("created"), n("updated"), n("unchanged"), n("skipped"), n("refused"))
}

#[tokio::test]
async fn a_contact_import_without_some_columns_never_erases_them() {
    for app in apps(false).await {
        let org = organisation(&app, "capital-filles", "Capital Filles", json!({})).await;
        let editor = app
            .account("editrice@example.org", entity::Role::Editor, Some(&org))
            .await;
        let data = app
            .data(
                "mutation($input: CreateContactInput!) { createContact(input: $input) { contact { id } } }",
                json!({ "input": { "organisationId": org, "firstName": "Camille", "lastName": "Martin",
                                   "email": "camille.martin@example.org", "region": "BRETAGNE", "city": "Rennes",
                                   "notes": "Rencontrée au salon de Rennes", "audiences": ["LYCEE"] } }),
            )
            .await;
        let id = data["createContact"]["contact"]["id"]
            .as_str()
            .expect("an id")
            .to_string();
        let read = async || {
            app.data(
                "query($id: ID!) { contact(id: $id) { firstName jobTitle email region city notes audiences updatedAt } }",
                json!({ "id": id }),
            )
            .await["contact"]
                .clone()
        };
        let before = read().await;
        // No Région, Notes or Publics column; an empty Ville; a new Fonction.
        let file = "Prénom;Nom;E-mail;Fonction;Ville\r\nCamille;Martin;camille.martin@example.org;Ingénieure;\r\n";
        let dry = upload(
            &app,
            Some(&editor),
            "CONTACTS",
            file.as_bytes(),
            json!({ "dryRun": true }),
        )
        .await;
        let report = &dry["data"]["importCsv"];
        assert_eq!(counts(report), (0, 1, 0, 0, 0), "[{}] {dry}", app.backend);
        assert_eq!(report["written"], false);
        let line = &report["lines"][0];
        assert_eq!(
            (line["line"].as_i64(), line["outcome"].as_str()),
            (Some(2), Some("UPDATED"))
        );
        assert_eq!(line["id"], json!(id));
        assert_eq!(
            line["changes"],
            json!([
                { "field": "jobTitle", "before": null, "after": "Ingénieure" },
                { "field": "city", "before": "Rennes", "after": null },
            ]),
            "{dry}"
        );
        assert_eq!(read().await, before, "a dry run writes nothing");

        let real = upload(&app, Some(&editor), "CONTACTS", file.as_bytes(), json!({})).await;
        let report = &real["data"]["importCsv"];
        assert_eq!(counts(report), (0, 1, 0, 0, 0), "{real}");
        assert_eq!(
            report["lines"][0]["changes"], line["changes"],
            "the dry run said what the real run did"
        );
        let after = read().await;
        assert_eq!(after["region"], "BRETAGNE");
        assert_eq!(after["notes"], "Rencontrée au salon de Rennes");
        assert_eq!(after["audiences"], json!(["LYCEE"]));
        assert_eq!(
            (after["jobTitle"].as_str(), after["city"].as_str()),
            (Some("Ingénieure"), None)
        );

        // The audit log names the record and the fields the import changed.
        let log = app
            .data(
                "query($id: ID) { auditLog(filter: { entityId: $id, operation: \"import_update\" }) { nodes { entityType actorLabel changedFields } } }",
                json!({ "id": id }),
            )
            .await;
        assert_eq!(
            log["auditLog"]["nodes"],
            json!([{ "entityType": "Contact", "actorLabel": "editrice@example.org", "changedFields": ["jobTitle", "city"] }]),
            "{log}"
        );
        // Again: nothing changes, nothing is logged.
        let again = upload(&app, Some(&editor), "CONTACTS", file.as_bytes(), json!({})).await;
        assert_eq!(counts(&again["data"]["importCsv"]), (0, 0, 1, 0, 0), "{again}");
        app.stop().await;
    }
}

#[tokio::test]
async fn a_dry_run_reports_each_row_as_the_real_run_does() {
    for app in apps(false).await {
        let org = organisation(&app, "cmq-msi", "CMQ MSI", json!({})).await;
        let editor = app.account("e@example.org", entity::Role::Editor, Some(&org)).await;
        let file =
            "Titre;Date;Lieu;Ouvert\r\nForum;14/03/2027 09:30;Lycée Jules Haag;Oui\r\nAtelier;15/03/2027;ENSMM;Non\r\n";
        upload(&app, Some(&editor), "EVENTS", file.as_bytes(), json!({})).await;
        // A new place for the forum, the workshop as it was, a new event, and a bad row.
        let next = "Titre;Date;Lieu;Ouvert\r\nForum;14/03/2027 09:30;Lycée Jules Haag;Non\r\nAtelier;15/03/2027;ENSMM;Non\r\n\
                    Salon;16/03/2027;Besançon;Oui\r\nSans date;;Lille;Oui\r\n";
        let dry = upload(
            &app,
            Some(&editor),
            "EVENTS",
            next.as_bytes(),
            json!({ "dryRun": true }),
        )
        .await;
        let report = &dry["data"]["importCsv"];
        assert_eq!(counts(report), (1, 1, 1, 0, 1), "[{}] {dry}", app.backend);
        let outcomes: Vec<(i64, &str, &str)> = report["lines"]
            .as_array()
            .expect("lines")
            .iter()
            .map(|l| {
                (
                    l["line"].as_i64().unwrap_or(0),
                    l["outcome"].as_str().unwrap_or(""),
                    l["label"].as_str().unwrap_or(""),
                )
            })
            .collect();
        assert_eq!(
            outcomes,
            [
                (2, "UPDATED", "Forum"),
                (3, "UNCHANGED", "Atelier"),
                (4, "CREATED", "Salon"),
                (5, "REFUSED", "Sans date")
            ]
        );
        assert_eq!(
            report["lines"][0]["changes"],
            json!([{ "field": "openToPublic", "before": "true", "after": "false" }])
        );
        assert_eq!(report["errors"][0]["column"], "Date", "{dry}");
        // The real run, with the bad row skipped, does just that.
        let real = upload(
            &app,
            Some(&editor),
            "EVENTS",
            next.as_bytes(),
            json!({ "skipInvalid": true }),
        )
        .await;
        let done = &real["data"]["importCsv"];
        assert_eq!(counts(done), counts(report), "{real}");
        assert_eq!(done["lines"][0]["changes"], report["lines"][0]["changes"]);
        assert!(
            done["lines"][2]["id"].is_string(),
            "a created row names its record: {real}"
        );
        app.stop().await;
    }
}

#[tokio::test]
async fn reports_count_rows_and_say_what_was_stored_where() {
    for app in apps(false).await {
        let org = organisation(&app, "eb", "Elles Bougent", json!({})).await;
        // An empty Ouvert, a link without its scheme; then a row with two bad cells.
        let file = "Nom de l'événement;Date;Ouvert;Lien\r\nForum;14/03/2027;;example.org/forum\r\n\
                    Salon;15/03/2027;Peut-être;pas un lien\r\n";
        let body = upload(
            &app,
            Some(&app.admin_token),
            "EVENTS",
            file.as_bytes(),
            json!({ "organisationId": org, "skipInvalid": true }),
        )
        .await;
        let report = &body["data"]["importCsv"];
        assert_eq!(
            (
                report["rows"].as_i64(),
                report["valid"].as_i64(),
                report["refused"].as_i64()
            ),
            (Some(2), Some(1), Some(1)),
            "[{}] one row with two errors is one row: {body}",
            app.backend
        );
        assert_eq!(
            report["errors"],
            json!([
                { "line": 3, "column": "Ouvert", "message": "Ouvert: \"Peut-être\" is not yes or no (Oui, Non, yes, no, true, false, 1, 0, x)" },
                { "line": 3, "column": "Lien", "message": "Lien: url must be an absolute http or https URL" },
            ]),
            "{body}"
        );
        assert_eq!(
            report["warnings"],
            json!([
                { "line": 2, "column": "Ouvert", "message": "Ouvert: empty: read as Oui (the default)" },
                { "line": 2, "column": "Lien", "message": "Lien: \"example.org/forum\" has no scheme: read as https://example.org/forum" },
            ]),
            "{body}"
        );
        let data = app
            .data(
                "query($o: ID) { events(filter: { organisationId: $o }) { nodes { title openToPublic url } } }",
                json!({ "o": org }),
            )
            .await;
        // What the warnings said is what was stored; GraphQL's default for openToPublic too.
        assert_eq!(
            data["events"]["nodes"],
            json!([{ "title": "Forum", "openToPublic": true, "url": "https://example.org/forum" }])
        );
        let created = app
            .data(
                "mutation { createEvent(input: { title: \"Défaut\", startsAt: \"2027-03-20T09:00:00Z\" }) { event { openToPublic } } }",
                json!({}),
            )
            .await;
        assert_eq!(created["createEvent"]["event"]["openToPublic"], true);

        // A header without the needed columns names only what exists.
        let body = upload(
            &app,
            Some(&app.admin_token),
            "EVENTS",
            b"Foo;Bar\r\n1;2\r\n",
            json!({ "organisationId": org }),
        )
        .await;
        let message = body["errors"][0]["message"].as_str().unwrap_or_default();
        assert!(message.contains("the header has no title column"), "{body}");
        assert!(
            !message.contains("csv_columns") && !message.contains("csvColumns"),
            "{body}"
        );
        assert!(message.contains("\"Foo\", \"Bar\""), "{body}");
        app.stop().await;
    }
}

fn fixture(name: &str) -> Vec<u8> {
    std::fs::read(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures/imports")
            .join(name),
    )
    .expect("the fixture")
}

#[tokio::test]
async fn workbooks_import_like_their_csv() {
    for app in apps(false).await {
        let org = organisation(&app, "cmq-msi", "Campus des métiers MSI", json!({})).await;
        let body = upload(
            &app,
            Some(&app.admin_token),
            "EVENTS",
            &fixture("evenements.xlsx"),
            json!({ "organisationId": org }),
        )
        .await;
        let report = &body["data"]["importCsv"];
        assert_eq!(counts(report), (2, 0, 0, 0, 0), "[{}] {body}", app.backend);
        assert_eq!(report["errors"], json!([]), "{body}");
        let stored = Events::find()
            .filter(C::OrganiserId.eq(uuid::Uuid::parse_str(&org).expect("an id")))
            .all(app.db())
            .await
            .expect("events");
        let forum = stored
            .iter()
            .find(|e| e.title == "Forum des métiers de l'industrie")
            .expect("the forum");
        assert_eq!(
            forum.starts_at.to_rfc3339(),
            "2027-03-14T08:30:00+00:00",
            "a date cell, in Paris"
        );
        assert_eq!(forum.postal_code.as_deref(), Some("25000"), "a number cell, as written");
        assert!(forum.open_to_public);
        assert_eq!(forum.organiser_name.as_deref(), Some("CMQ MSI"));
        let day = stored.iter().find(|e| e.title.starts_with("Journée")).expect("the day");
        assert!(day.all_day && !day.open_to_public);
        // The same workbook again changes nothing.
        let again = upload(
            &app,
            Some(&app.admin_token),
            "EVENTS",
            &fixture("evenements.xlsx"),
            json!({ "organisationId": org }),
        )
        .await;
        assert_eq!(counts(&again["data"]["importCsv"]), (0, 0, 2, 0, 0), "{again}");

        let body = upload(
            &app,
            Some(&app.admin_token),
            "CONTACTS",
            &fixture("contacts.ods"),
            json!({ "organisationId": org }),
        )
        .await;
        assert_eq!(counts(&body["data"]["importCsv"]), (2, 0, 0, 0, 0), "{body}");
        let data = app
            .data(
                "query($o: ID) { contacts(filter: { organisationId: $o }) { nodes { firstName email audiences consentAt } } }",
                json!({ "o": org }),
            )
            .await;
        let camille = data["contacts"]["nodes"]
            .as_array()
            .expect("a list")
            .iter()
            .find(|n| n["firstName"] == "Camille")
            .expect("Camille")
            .clone();
        assert_eq!(camille["audiences"], json!(["LYCEE", "COLLEGE"]));
        assert_eq!(camille["consentAt"], "2026-09-01T00:00:00+00:00");

        // An archive that is no spreadsheet is refused as such, never read as text.
        let body = upload(
            &app,
            Some(&app.admin_token),
            "EVENTS",
            b"PK\x03\x04 not really a zip",
            json!({ "organisationId": org }),
        )
        .await;
        assert_eq!(error_code(&body), "BAD_USER_INPUT", "{body}");
        let message = body["errors"][0]["message"].as_str().unwrap_or_default();
        assert!(message.contains(".xlsx") && !message.contains("PK"), "{body}");
        app.stop().await;
    }
}

const EVENT_FIELDS: &str = "id title description location { name address postalCode city departement region latitude longitude } \
    startsAt endsAt allDay timezone openToPublic url author organiser { slug } organiserName audiences tags status visibility \
    provenance { feedId sourceUid sourceUrl lastSeenAt } createdAt updatedAt";
const CONTACT_FIELDS: &str = "id firstName lastName jobTitle email phone region city audiences tags notes visibility consentAt \
    organisation { slug } createdAt updatedAt";
const RESOURCE_FIELDS: &str = "id kind title content description url author freeOfRights licence language audiences tags \
    visibility organisation { slug } createdAt updatedAt";

/// Every record, as GraphQL shows it to an administrator.
async fn everything(app: &TestApp, ids: &[(&str, String)]) -> Vec<Value> {
    let mut all = Vec::new();
    for (kind, id) in ids {
        let fields = match *kind {
            "event" => EVENT_FIELDS,
            "contact" => CONTACT_FIELDS,
            _ => RESOURCE_FIELDS,
        };
        let data = app
            .data(
                &format!("query($id: ID!) {{ {kind}(id: $id) {{ {fields} }} }}"),
                json!({ "id": id }),
            )
            .await;
        assert!(data[*kind].is_object(), "{kind} {id}: {data}");
        all.push(data[*kind].clone());
    }
    all
}

#[tokio::test]
async fn an_export_imported_back_by_an_editor_changes_nothing() {
    let server = crate::common::feed_server::FeedServer::start().await;
    for app in apps(false).await {
        let own = organisation(&app, "cmq-msi", "CMQ MSI", json!({})).await;
        let other = organisation(&app, "capital-filles", "Capital Filles", json!({})).await;
        let editor = app
            .account("editrice@example.org", entity::Role::Editor, Some(&own))
            .await;
        let mut ids: Vec<(&str, String)> = Vec::new();
        // Typed in: a timed event organised with another, written by name; an all-day one.
        ids.push((
            "event",
            common::event(
                &app,
                json!({ "title": "Forum des métiers", "description": "Rencontres avec des ingénieures",
                        "startsAt": "2027-05-10T08:00:00Z", "endsAt": "2027-05-10T10:00:00Z", "timezone": "Europe/Paris",
                        "organiserId": own, "organiserName": "Elles Bougent", "visibility": "PARTNERS",
                        "url": "https://example.org/forum", "author": "Camille Martin",
                        "audiences": ["LYCEE", "PARENTS"], "tags": ["industrie"],
                        "location": { "name": "Lycée Jules Haag", "city": "Besançon", "postalCode": "25000",
                                      "departement": "25", "region": "BOURGOGNE_FRANCHE_COMTE", "latitude": 47.24, "longitude": 6.02 } }),
            )
            .await,
        ));
        ids.push((
            "event",
            common::event(
                &app,
                json!({ "title": "Journée portes ouvertes", "startsAt": "2027-06-01T22:00:00Z", "allDay": true,
                        "timezone": "Europe/Paris", "organiserId": own, "openToPublic": false }),
            )
            .await,
        ));
        // Another organisation's public event, which the editor's export lists.
        ids.push((
            "event",
            common::event(
                &app,
                json!({ "title": "Atelier robotique", "startsAt": "2027-05-12T12:00:00Z", "organiserId": other }),
            )
            .await,
        ));
        // A feed's events, one of which its feed then removed.
        let path = format!("/{}/import-agenda.ics", app.backend);
        let ics = |items: &[(&str, &str)]| {
            let mut ics = String::from("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Passerelle tests//FR\r\n");
            for (uid, summary) in items {
                ics.push_str(&format!(
                    "BEGIN:VEVENT\r\nUID:{uid}\r\nDTSTAMP:20260101T000000Z\r\nDTSTART;TZID=Europe/Paris:20270115T090000\r\n\
                     DURATION:PT2H\r\nSUMMARY:{summary}\r\nLOCATION:Lycée Jules Haag\\, Besançon\r\nEND:VEVENT\r\n"
                ));
            }
            ics.push_str("END:VCALENDAR\r\n");
            ics
        };
        use crate::common::feed_server::Reply;
        server.set(
            &path,
            Reply::file(
                "text/calendar",
                ics(&[
                    ("forum-1", "Salon de l'industrie"),
                    ("salon-2", "Salon annulé par la source"),
                ]),
            ),
        );
        let feed = common::feed(&app, &own, &server.url(&path), json!({})).await;
        common::sync(&app, &feed).await;
        server.set(
            &path,
            Reply::file("text/calendar", ics(&[("forum-1", "Salon de l'industrie")])),
        );
        let (run, _) = common::sync(&app, &feed).await;
        assert_eq!(run["removed"], 1, "{run}");
        let fed = Events::find()
            .filter(C::FeedId.eq(uuid::Uuid::parse_str(&feed).expect("an id")))
            .all(app.db())
            .await
            .expect("events");
        assert!(fed.iter().any(|e| e.status == entity::EventStatus::RemovedUpstream));
        ids.extend(fed.iter().map(|e| ("event", e.id.to_string())));
        // Contacts and resources of both organisations.
        for (org, first, email) in [(&own, "Inès", "ines@example.org"), (&other, "Léa", "lea@example.org")] {
            let data = app
                .data(
                    "mutation($input: CreateContactInput!) { createContact(input: $input) { contact { id } } }",
                    json!({ "input": { "organisationId": org, "firstName": first, "lastName": "Durand", "email": email,
                                       "phone": "+33 3 20 00 00 00", "audiences": ["COLLEGE"], "visibility": "PARTNERS",
                                       "region": "HAUTS_DE_FRANCE", "notes": "Très active", "consentAt": "2026-09-01T08:00:00Z" } }),
                )
                .await;
            ids.push((
                "contact",
                data["createContact"]["contact"]["id"]
                    .as_str()
                    .expect("an id")
                    .to_string(),
            ));
            let data = app
                .data(
                    "mutation($input: CreateResourceInput!) { createResource(input: $input) { resource { id } } }",
                    json!({ "input": { "organisationId": org, "kind": "SLIDE_DECK", "title": format!("Diaporama de {first}"),
                                       "url": "https://example.org/v", "freeOfRights": true, "tags": ["portrait"],
                                       "audiences": ["LYCEE"], "licence": "CC BY 4.0" } }),
                )
                .await;
            ids.push((
                "resource",
                data["createResource"]["resource"]["id"]
                    .as_str()
                    .expect("an id")
                    .to_string(),
            ));
        }
        let before = everything(&app, &ids).await;
        for format in ["csv", "excel-fr"] {
            // (Whether the default events list shows removed events or not, the second export
            // holds the removed one.)
            for (kind, path) in [
                ("EVENTS", "events.csv"),
                ("EVENTS", "events.csv?status=removed_upstream"),
                ("CONTACTS", "contacts.csv"),
                ("RESOURCES", "resources.csv"),
            ] {
                let separator = if path.contains('?') { '&' } else { '?' };
                let url = format!("{}/{path}{separator}format={format}", app.base);
                let resp = app.client.get(&url).bearer_auth(&editor).send().await.expect("sent");
                assert_eq!(resp.status(), 200, "{url}");
                let file = resp.bytes().await.expect("a body");
                let body = upload(&app, Some(&editor), kind, &file, json!({})).await;
                let report = &body["data"]["importCsv"];
                assert_eq!(
                    (
                        report["created"].as_i64(),
                        report["updated"].as_i64(),
                        report["refused"].as_i64()
                    ),
                    (Some(0), Some(0), Some(0)),
                    "[{}] {format} {path}: {body}",
                    app.backend
                );
                assert_eq!(report["errors"], json!([]), "{body}");
                let (rows, unchanged) = (
                    report["rows"].as_i64().unwrap_or(0),
                    report["unchanged"].as_i64().unwrap_or(0),
                );
                assert!(unchanged >= 1, "[{}] {format} {path}: {body}", app.backend);
                // The other organisation's rows are reported and skipped.
                let skipped: Vec<&Value> = report["lines"]
                    .as_array()
                    .expect("lines")
                    .iter()
                    .filter(|l| l["outcome"] == "SKIPPED")
                    .collect();
                assert_eq!(report["skipped"].as_i64(), Some(skipped.len() as i64));
                assert_eq!(unchanged + skipped.len() as i64, rows, "{body}");
                assert!(
                    skipped.iter().all(|l| l["reason"]
                        .as_str()
                        .unwrap_or_default()
                        .contains("not the importing organisation")),
                    "{body}"
                );
                if !path.contains("removed") {
                    assert_eq!(skipped.len(), 1, "[{}] {format} {path}: {body}", app.backend);
                }
            }
        }
        // Every record as it was, to the byte (its last change included).
        assert_eq!(everything(&app, &ids).await, before, "[{}]", app.backend);
        app.stop().await;
    }
}
