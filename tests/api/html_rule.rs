//! One HTML rule for long texts: whatever brings a description, a content, notes or a report
//! (GraphQL, a spreadsheet import, a partner feed), the script never reaches a client through
//! any read path or export, the formatting stays, and texts stored before the rule are put
//! under it by the data pass run at start.

use sea_orm::ConnectionTrait;
use sea_orm::sea_query::{Alias, Expr, ExprTrait, Query};
use serde_json::{Value, json};

use crate::common::feed_server::{FeedServer, Reply};
use crate::common::{TestApp, apps, feed, organisation, sync, upload};

/// A text with every kind of script a front end could run, around formatting that must stay.
const HOSTILE: &str = "<p onclick=\"steal()\">Atelier <strong>robotique</strong></p>\
    <script>alert('xss')</script><a href=\"javascript:alert(1)\">lien</a>\
    <img src=\"https://example.org/x.png\" onerror=\"alert(2)\">";

/// What no answer may carry.
const FORBIDDEN: [&str; 7] = [
    "<script",
    "&lt;script",
    "alert(",
    "steal(",
    "javascript",
    "onerror",
    "onclick",
];

fn assert_clean(app: &TestApp, what: &str, text: &str) {
    for bad in FORBIDDEN {
        assert!(!text.contains(bad), "[{}] {what} carries {bad:?}:\n{text}", app.backend);
    }
}

async fn get(app: &TestApp, path: &str, token: Option<&str>) -> String {
    let mut req = app.client.get(format!("{}{path}", app.base));
    if let Some(token) = token {
        req = req.bearer_auth(token);
    }
    let resp = req.send().await.expect("sent");
    assert_eq!(resp.status(), 200, "[{}] GET {path}", app.backend);
    resp.text().await.expect("a body")
}

fn ical(uid: &str, title: &str, description: &str) -> Vec<u8> {
    format!(
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//test//EN\r\nBEGIN:VEVENT\r\nUID:{uid}\r\nDTSTAMP:20270101T000000Z\r\n\
         DTSTART:20270310T090000Z\r\nDTEND:20270310T120000Z\r\nSUMMARY:{title}\r\nDESCRIPTION:{description}\r\n\
         END:VEVENT\r\nEND:VCALENDAR\r\n"
    )
    .into_bytes()
}

/// Writes one record of every kind with the hostile text, through GraphQL, an import and a
/// feed; returns the ids of the event typed in.
async fn write_everywhere(app: &TestApp, org: &str, feeds: &FeedServer) -> String {
    let editor = app
        .account("editrice@capital-filles.example.org", entity::Role::Editor, Some(org))
        .await;
    let ok = |body: &Value| assert!(body.get("errors").is_none(), "[{}] {body:#}", app.backend);
    let event = app
        .gql_as(
            Some(&editor),
            "mutation($i: CreateEventInput!) { createEvent(input: $i) { event { id description } } }",
            json!({ "i": { "title": "Forum robotique", "startsAt": "2027-03-12T09:00:00+01:00", "description": HOSTILE } }),
        )
        .await;
    ok(&event);
    let event_id = event["data"]["createEvent"]["event"]["id"]
        .as_str()
        .expect("an id")
        .to_string();
    for (mutation, input_type, input) in [
        (
            "createResource",
            "CreateResourceInput",
            json!({ "kind": "VIDEO", "title": "Portrait robotique", "content": HOSTILE, "description": HOSTILE }),
        ),
        (
            "createContact",
            "CreateContactInput",
            json!({ "firstName": "Léa", "lastName": "Robot", "email": "lea@example.org", "notes": HOSTILE, "visibility": "PUBLIC" }),
        ),
        (
            "createAction",
            "CreateActionInput",
            json!({ "organisationId": org, "title": "Action robotique", "summary": HOSTILE, "findings": HOSTILE, "feedback": HOSTILE }),
        ),
    ] {
        let body = app
            .gql_as(
                Some(&editor),
                &format!("mutation($i: {input_type}!) {{ {mutation}(input: $i) {{ __typename }} }}"),
                json!({ "i": input }),
            )
            .await;
        ok(&body);
    }
    let body = app
        .gql_as(
            Some(&editor),
            "mutation($id: ID!, $i: UpdateOrganisationInput!) { updateOrganisation(id: $id, input: $i) { organisation { id } } }",
            json!({ "id": org, "i": { "description": HOSTILE } }),
        )
        .await;
    ok(&body);
    let body = app
        .gql_as(
            Some(&editor),
            "mutation($i: CreateExperienceReportInput!) { createExperienceReport(input: $i) { experienceReport { id } } }",
            json!({ "i": { "eventId": event_id, "author": "Léa", "text": HOSTILE, "reportedOn": "2027-03-13" } }),
        )
        .await;
    ok(&body);
    // An update goes through the same rule as a creation.
    let body = app
        .gql_as(
            Some(&editor),
            "mutation($id: ID!, $i: UpdateEventInput!) { updateEvent(id: $id, input: $i) { event { id } } }",
            json!({ "id": event_id, "i": { "description": format!("{HOSTILE} (mis à jour)") } }),
        )
        .await;
    ok(&body);

    // A spreadsheet: the export's columns, the script in quoted cells.
    let quoted = HOSTILE.replace('"', "\"\"");
    let events = format!("title,starts_at,description\r\nImport robotique,2027-03-20T10:00:00+01:00,\"{quoted}\"\r\n");
    let report = upload(app, Some(&editor), "EVENTS", events.as_bytes(), json!({})).await;
    assert_eq!(
        report["data"]["importCsv"]["created"], 1,
        "[{}] {report:#}",
        app.backend
    );
    let contacts = format!("first_name,last_name,email,notes\r\nInès,Import,ines@example.org,\"{quoted}\"\r\n");
    let report = upload(app, Some(&editor), "CONTACTS", contacts.as_bytes(), json!({})).await;
    assert_eq!(
        report["data"]["importCsv"]["created"], 1,
        "[{}] {report:#}",
        app.backend
    );

    // A partner's feed, its description escaped as iCalendar text.
    feeds.set(
        "/agenda.ics",
        Reply::file(
            "text/calendar",
            ical(
                "xss-1@example.org",
                "Atelier du flux",
                &HOSTILE.replace(',', "\\,").replace(';', "\\;"),
            ),
        ),
    );
    let feed_id = feed(app, org, &feeds.url("/agenda.ics"), json!({ "format": "ICAL" })).await;
    let (run, _) = sync(app, &feed_id).await;
    assert_eq!(run["created"], 1, "[{}] {run}", app.backend);
    app.index().await;
    event_id
}

#[tokio::test]
async fn the_script_never_reaches_a_client_through_any_read_path_or_export() {
    let feeds = FeedServer::start().await;
    for app in apps(false).await {
        let org = organisation(&app, "capital-filles", "Capital Filles", json!({})).await;
        let event_id = write_everywhere(&app, &org, &feeds).await;

        // GraphQL, as an administrator (who reads every field, notes included) and anonymously.
        let everything = "query($org: ID!, $event: ID!) {
            events(first: 50) { nodes { title description } }
            event(id: $event) { description experienceReports { nodes { text } } }
            resources(first: 50) { nodes { title content description } }
            contacts(first: 50) { nodes { lastName notes } }
            actions(first: 50) { nodes { summary findings feedback } }
            organisation(id: $org) { description }
            node(id: $event) { ... on Event { description } }
            search(query: \"robotique\") { edges { highlights { field snippet } } }
        }";
        let vars = json!({ "org": org, "event": event_id });
        let admin = app.gql(everything, vars.clone()).await;
        assert!(admin.get("errors").is_none(), "[{}] {admin:#}", app.backend);
        assert_clean(&app, "GraphQL", &admin.to_string());
        let anonymous = app.gql_as(None, everything, vars).await;
        assert_clean(&app, "GraphQL (anonymous)", &anonymous.to_string());
        // The formatting stays, and a feed's description follows the same rule.
        let descriptions: Vec<&str> = admin["data"]["events"]["nodes"]
            .as_array()
            .expect("events")
            .iter()
            .filter_map(|e| e["description"].as_str())
            .collect();
        assert_eq!(
            descriptions.len(),
            3,
            "[{}] typed, imported and pulled: {descriptions:?}",
            app.backend
        );
        for d in &descriptions {
            assert!(d.contains("<strong>robotique</strong>"), "[{}] {d}", app.backend);
        }
        let hits = admin["data"]["search"]["edges"].as_array().expect("hits");
        assert!(!hits.is_empty(), "[{}] the search finds them", app.backend);

        // Every export.
        let token = app.admin_token.clone();
        for (path, auth) in [
            ("/events.csv", None),
            ("/resources.csv", None),
            ("/contacts.csv", Some(token.as_str())),
            ("/contacts.vcf", Some(token.as_str())),
            ("/calendar.ics", None),
            (&format!("/events/{event_id}.ics") as &str, None),
            ("/events.atom", None),
            ("/resources.atom", None),
        ] {
            let body = get(&app, path, auth).await;
            assert!(
                body.contains("robotique"),
                "[{}] {path} carries the text:\n{body}",
                app.backend
            );
            assert_clean(&app, path, &body);
        }
        // Text-only formats carry the plain text; CSV carries the stored HTML, to import back.
        let one = get(&app, &format!("/events/{event_id}.ics"), None).await;
        assert!(one.contains("Atelier robotique"), "[{}] {one}", app.backend);
        assert!(!one.contains("<strong>"), "[{}] {one}", app.backend);
        let csv = get(&app, "/events.csv", None).await;
        assert!(csv.contains("<strong>robotique</strong>"), "[{}] {csv}", app.backend);
        app.stop().await;
    }
}

#[tokio::test]
async fn texts_stored_before_the_rule_are_put_under_it_once_at_start() {
    for app in apps(false).await {
        let org = organisation(&app, "elles-bougent", "Elles Bougent", json!({})).await;
        let event = crate::common::event(
            &app,
            json!({ "title": "Salon", "startsAt": "2027-05-01T10:00:00+02:00", "organiserId": org }),
        )
        .await;
        // As an older hub stored a typed description: exactly as typed.
        let db = app.db();
        let event_id = uuid::Uuid::parse_str(&event).expect("an id");
        db.execute(
            &Query::update()
                .table(Alias::new("events"))
                .value(Alias::new("description"), HOSTILE)
                .and_where(Expr::col(Alias::new("id")).eq(event_id))
                .to_owned(),
        )
        .await
        .expect("the old row is written");
        db.execute(
            &Query::update()
                .table(Alias::new("organisations"))
                .value(Alias::new("description"), "<script>alert(3)</script>")
                .to_owned(),
        )
        .await
        .expect("the old row is written");
        // The pass has run on this database already: it does not run again by itself.
        passerelle::store::migrate(db).await.expect("migrations run");
        let before = app
            .data(
                "query($id: ID!) { event(id: $id) { description } }",
                json!({ "id": event }),
            )
            .await;
        assert!(
            before.to_string().contains("alert('xss')"),
            "[{}] {before}",
            app.backend
        );
        // A database that has not seen it (as one upgraded to this version) gets it at start.
        db.execute(&Query::delete().from_table(Alias::new("data_passes")).to_owned())
            .await
            .expect("the pass is forgotten");
        passerelle::store::migrate(db).await.expect("migrations and passes run");
        let after = app
            .data(
                "query($id: ID!, $org: ID!) { event(id: $id) { description } organisation(id: $org) { description } }",
                json!({ "id": event, "org": org }),
            )
            .await;
        assert_clean(&app, "the sanitised rows", &after.to_string());
        assert!(
            after["event"]["description"]
                .as_str()
                .is_some_and(|d| d.contains("<strong>robotique</strong>")),
            "[{}] {after}",
            app.backend
        );
        assert_eq!(
            after["organisation"]["description"],
            Value::Null,
            "[{}] nothing was left",
            app.backend
        );
        // The index follows: the changed records were queued.
        app.index().await;
        let found = app
            .data(
                "{ search(query: \"robotique\") { edges { highlights { snippet } } } }",
                json!({}),
            )
            .await;
        assert_clean(&app, "search", &found.to_string());
        app.stop().await;
    }
}
