//! An API that explains itself, from the user's side: all-day events given as dates, every
//! error with a code, refusals that say whose editors may, fields a role may not read that
//! fail alone, removed feed events left out of the lists, one contact per e-mail address.

use serde_json::{Value, json};

use crate::common::{TestApp, apps, error_code, error_field, organisation};

const CREATE_EVENT: &str = "mutation($i: CreateEventInput!) { createEvent(input: $i) { event { id startsAt endsAt allDay timezone firstDay lastDay } } }";
const UPDATE_EVENT: &str = "mutation($id: ID!, $i: UpdateEventInput!) { updateEvent(id: $id, input: $i) { event { id startsAt endsAt allDay firstDay lastDay } } }";

fn codes(body: &Value) -> Vec<String> {
    body["errors"]
        .as_array()
        .map(|errors| {
            errors
                .iter()
                .map(|e| e["extensions"]["code"].as_str().unwrap_or("(none)").to_string())
                .collect()
        })
        .unwrap_or_default()
}

#[tokio::test]
async fn all_day_events_are_given_by_their_dates() {
    for app in apps(false).await {
        let created = app
            .data(
                CREATE_EVENT,
                json!({ "i": { "title": "Journée portes ouvertes", "startsAt": "2027-03-08", "endsAt": "2027-03-09" } }),
            )
            .await;
        let e = &created["createEvent"]["event"];
        // Midnight in Paris (UTC+1 in March), the last day inclusive: stored to the midnight after.
        assert_eq!(e["allDay"], true, "[{}] {e}", app.backend);
        assert_eq!(e["startsAt"], "2027-03-07T23:00:00+00:00");
        assert_eq!(e["endsAt"], "2027-03-09T23:00:00+00:00");
        assert_eq!(
            (e["firstDay"].as_str(), e["lastDay"].as_str()),
            (Some("2027-03-08"), Some("2027-03-09"))
        );

        // In the event's own zone, and with `allDay` said.
        let guyane = app
            .data(
                CREATE_EVENT,
                json!({ "i": { "title": "Forum", "startsAt": "2027-03-08", "allDay": true, "timezone": "America/Cayenne" } }),
            )
            .await;
        let g = &guyane["createEvent"]["event"];
        assert_eq!(g["startsAt"], "2027-03-08T03:00:00+00:00", "[{}] {g}", app.backend);
        assert_eq!(
            (g["firstDay"].as_str(), g["lastDay"].as_str()),
            (Some("2027-03-08"), Some("2027-03-08"))
        );

        // A date with `allDay: false` is refused, naming the field.
        let refused = app
            .gql(
                CREATE_EVENT,
                json!({ "i": { "title": "Atelier", "startsAt": "2027-03-08", "allDay": false } }),
            )
            .await;
        assert_eq!(error_code(&refused), "BAD_USER_INPUT", "[{}] {refused}", app.backend);
        assert_eq!(error_field(&refused), "startsAt");
        assert!(
            refused["errors"][0]["message"]
                .as_str()
                .unwrap_or("")
                .contains("allDay")
        );

        // Something that is neither a date nor a date and time: a coded refusal that says
        // what is expected, as a variable or written in the document.
        for (query, vars) in [
            (
                CREATE_EVENT.to_string(),
                json!({ "i": { "title": "Atelier", "startsAt": "2027-03-08T09:30" } }),
            ),
            (
                "mutation { createEvent(input: { title: \"Atelier\", startsAt: \"le 8 mars\" }) { event { id } } }"
                    .to_string(),
                json!({}),
            ),
        ] {
            let body = app.gql(&query, vars).await;
            let code = error_code(&body);
            assert!(
                code == "BAD_USER_INPUT" || code == "GRAPHQL_VALIDATION_FAILED",
                "[{}] {body}",
                app.backend
            );
            assert!(
                body["errors"][0]["message"].as_str().unwrap_or("").contains("RFC 3339"),
                "{body}"
            );
        }

        // A timed event made all-day by a date; and back to a time.
        let timed = app
            .data(
                CREATE_EVENT,
                json!({ "i": { "title": "Visite", "startsAt": "2027-04-02T14:00:00+02:00" } }),
            )
            .await;
        let id = timed["createEvent"]["event"]["id"].as_str().expect("an id").to_string();
        assert_eq!(timed["createEvent"]["event"]["allDay"], false);
        let updated = app
            .data(
                UPDATE_EVENT,
                json!({ "id": id, "i": { "startsAt": "2027-04-03", "endsAt": null } }),
            )
            .await;
        let u = &updated["updateEvent"]["event"];
        assert_eq!(
            (u["allDay"].as_bool(), u["startsAt"].as_str()),
            (Some(true), Some("2027-04-02T22:00:00+00:00"))
        );
        let refused = app
            .gql(
                UPDATE_EVENT,
                json!({ "id": id, "i": { "endsAt": "2027-04-04", "allDay": false } }),
            )
            .await;
        assert_eq!(error_field(&refused), "endsAt", "[{}] {refused}", app.backend);

        // Filters read a date alone as the midnight that begins it in Paris time.
        let listed = app
            .data(
                "{ events(filter: { startsAfter: \"2027-03-08\", startsBefore: \"2027-03-09\" }) { nodes { title } } }",
                json!({}),
            )
            .await;
        let titles: Vec<&str> = listed["events"]["nodes"]
            .as_array()
            .expect("nodes")
            .iter()
            .filter_map(|n| n["title"].as_str())
            .collect();
        assert_eq!(titles, ["Journée portes ouvertes", "Forum"], "[{}]", app.backend);
        app.stop().await;
    }
}

/// An organisation, its editor's and its member's sessions.
async fn capital_filles(app: &TestApp) -> (String, String, String) {
    let org = organisation(app, "capital-filles", "Capital Filles", json!({})).await;
    let editor = app
        .account("editrice@capital-filles.example.org", entity::Role::Editor, Some(&org))
        .await;
    let member = app
        .account("membre@capital-filles.example.org", entity::Role::Member, Some(&org))
        .await;
    (org, editor, member)
}

#[tokio::test]
async fn refusals_name_the_organisation_and_the_rule() {
    for app in apps(false).await {
        let (org, editor, member) = capital_filles(&app).await;
        let other = organisation(&app, "elles-bougent", "Elles Bougent", json!({})).await;
        let outsider = app
            .account("editrice@elles-bougent.example.org", entity::Role::Editor, Some(&other))
            .await;
        let created = app
            .gql_as(
                Some(&editor),
                CREATE_EVENT,
                json!({ "i": { "title": "Forum", "startsAt": "2027-03-12T09:00:00+01:00", "visibility": "PARTNERS" } }),
            )
            .await;
        let id = created["data"]["createEvent"]["event"]["id"]
            .as_str()
            .expect("an id")
            .to_string();
        let change = json!({ "id": id, "i": { "title": "Forum des métiers" } });

        for (token, who_fr, who_en) in [
            (&member, "ce compte y est membre", "this account is a member there"),
            (
                &outsider,
                "éditeur d’une autre organisation",
                "an editor of another organisation",
            ),
        ] {
            let body = app.gql_as(Some(token), UPDATE_EVENT, change.clone()).await;
            let error = &body["errors"][0];
            assert_eq!(error["extensions"]["code"], "FORBIDDEN", "[{}] {body}", app.backend);
            assert_eq!(error["extensions"]["reason"], "EDITORS_ONLY");
            assert_eq!(error["extensions"]["organisationId"], org.as_str());
            assert_eq!(error["extensions"]["organisationName"], "Capital Filles");
            let message = error["message"].as_str().expect("a message");
            assert!(
                message.starts_with(
                    "Seuls les éditeurs de « Capital Filles » et les administrateurs peuvent modifier ses événements"
                ),
                "{message}"
            );
            assert!(
                message.contains("Only editors of « Capital Filles » and administrators may change its events"),
                "{message}"
            );
            assert!(message.contains(who_fr) && message.contains(who_en), "{message}");
            assert_eq!(message.split(" / ").count(), 2, "the console shows one half: {message}");
        }
        // Administrators only: said so, without an organisation.
        let body = app
            .gql_as(Some(&editor), "{ auditLog { totalCount } }", json!({}))
            .await;
        assert_eq!(
            body["errors"][0]["extensions"]["reason"], "ADMINS_ONLY",
            "[{}] {body}",
            app.backend
        );
        assert!(
            body["errors"][0]["message"]
                .as_str()
                .unwrap_or("")
                .contains("Only administrators may read the audit log")
        );
        app.stop().await;
    }
}

#[tokio::test]
async fn a_field_the_role_may_not_read_fails_alone() {
    for app in apps(false).await {
        let (org, _, member) = capital_filles(&app).await;
        let body = app
            .gql_as(
                Some(&member),
                "query($org: ID!) { feeds { totalCount } apiKeys(organisationId: $org) { id } users { totalCount } me { email } }",
                json!({ "org": org }),
            )
            .await;
        // The rest of the answer stands.
        assert_eq!(body["data"]["feeds"]["totalCount"], 0, "[{}] {body}", app.backend);
        assert_eq!(body["data"]["me"]["email"], "membre@capital-filles.example.org");
        assert_eq!(body["data"]["apiKeys"], Value::Null);
        assert_eq!(body["data"]["users"], Value::Null);
        let errors = body["errors"].as_array().expect("errors");
        let paths: Vec<&Value> = errors.iter().map(|e| &e["path"][0]).collect();
        assert_eq!(paths, [&json!("apiKeys"), &json!("users")], "{body}");
        assert_eq!(codes(&body), ["FORBIDDEN", "FORBIDDEN"]);
        assert_eq!(errors[0]["extensions"]["organisationName"], "Capital Filles");
        // Anonymous callers are asked to sign in, at the field too.
        let body = app
            .gql_as(
                None,
                "{ organisations { totalCount } calendarSubscriptions { id } }",
                json!({}),
            )
            .await;
        assert_eq!(
            body["data"]["organisations"]["totalCount"], 1,
            "[{}] {body}",
            app.backend
        );
        assert_eq!(body["data"]["calendarSubscriptions"], Value::Null);
        assert_eq!(codes(&body), ["UNAUTHENTICATED"]);
        app.stop().await;
    }
}

#[tokio::test]
async fn every_error_carries_a_code() {
    for app in apps(false).await {
        let (_, _, member) = capital_filles(&app).await;
        for (token, query, vars) in [
            // A document that is not GraphQL, one the schema refuses, a variable of no use.
            (None, "{ events { ", json!({})),
            (None, "{ events { nodes { nope } } }", json!({})),
            (
                None,
                "query($n: Int) { events(first: $n) { totalCount } }",
                json!({ "n": "twenty" }),
            ),
            // A value only execution reads: a bad id, a bad cursor, a page too large.
            (None, "{ event(id: \"nope\") { id } }", json!({})),
            (None, "{ events(after: \"nope\") { totalCount } }", json!({})),
            (None, "{ events(first: 500) { totalCount } }", json!({})),
            // A scalar read from a variable at execution.
            (
                None,
                "query($d: Date!) { experienceReports(filter: { reportedAfter: $d }) { totalCount } }",
                json!({ "d": "08/03/2027" }),
            ),
            (
                Some(member.as_str()),
                "mutation { createOrganisation(input: { slug: \"x-y\", name: \"X\", kind: OTHER }) { organisation { id } } }",
                json!({}),
            ),
            (
                None,
                "mutation { deleteEvent(id: \"01a2335e-b958-75cb-847f-ad8e0ba0132a\") { deletedId } }",
                json!({}),
            ),
        ] {
            let body = app.gql_as(token, query, vars).await;
            let errors = body["errors"]
                .as_array()
                .unwrap_or_else(|| panic!("[{}] {query}: {body}", app.backend));
            assert!(!errors.is_empty());
            for error in errors {
                let code = error["extensions"]["code"].as_str().unwrap_or("");
                assert!(
                    !code.is_empty() && code.chars().all(|c| c.is_ascii_uppercase() || c == '_'),
                    "[{}] {query}: an error without a code: {body}",
                    app.backend
                );
            }
        }
        app.stop().await;
    }
}

#[tokio::test]
async fn a_password_change_refusal_points_at_no_line() {
    for app in apps(false).await {
        let (_, temporary) =
            passerelle::auth::accounts::create_user(app.db(), "nouvelle@example.org", None, None, entity::Role::Admin)
                .await
                .expect("an account");
        let login = app
            .gql_as(
                None,
                "mutation($e: String!, $p: String!) { login(email: $e, password: $p) { token } }",
                json!({ "e": "nouvelle@example.org", "p": temporary }),
            )
            .await;
        let token = login["data"]["login"]["token"].as_str().expect("a token").to_string();
        let body = app.gql_as(Some(&token), "{ events { totalCount } }", json!({})).await;
        assert_eq!(
            error_code(&body),
            "PASSWORD_CHANGE_REQUIRED",
            "[{}] {body}",
            app.backend
        );
        assert!(body["errors"][0].get("locations").is_none(), "{body}");
        app.stop().await;
    }
}

#[tokio::test]
async fn the_lists_leave_out_events_their_feed_removed_unless_asked() {
    for app in apps(false).await {
        let org = organisation(&app, "capital-filles", "Capital Filles", json!({})).await;
        for (title, status) in [
            ("Gardé", "SCHEDULED"),
            ("Annulé", "CANCELLED"),
            ("Retiré", "REMOVED_UPSTREAM"),
        ] {
            crate::common::event(
                &app,
                json!({ "title": title, "startsAt": "2027-03-12T09:00:00+01:00", "status": status, "organiserId": org }),
            )
            .await;
        }
        let titles = |body: &Value, path: &[&str]| -> Vec<String> {
            let mut at = body;
            for key in path {
                at = &at[*key];
            }
            at["nodes"]
                .as_array()
                .expect("nodes")
                .iter()
                .map(|n| n["title"].as_str().unwrap_or("").to_string())
                .collect()
        };
        let query = "query($org: ID!, $f: EventFilter) { events(filter: $f, orderBy: TITLE_ASC) { totalCount nodes { title } } \
                     organisation(id: $org) { events(filter: $f, orderBy: TITLE_ASC) { totalCount nodes { title } } } }";
        let default = app.data(query, json!({ "org": org })).await;
        assert_eq!(titles(&default, &["events"]), ["Annulé", "Gardé"], "[{}]", app.backend);
        assert_eq!(default["events"]["totalCount"], 2);
        assert_eq!(titles(&default, &["organisation", "events"]), ["Annulé", "Gardé"]);
        assert_eq!(default["organisation"]["events"]["totalCount"], 2);
        let removed = app
            .data(query, json!({ "org": org, "f": { "status": "REMOVED_UPSTREAM" } }))
            .await;
        assert_eq!(titles(&removed, &["events"]), ["Retiré"], "[{}]", app.backend);
        assert_eq!(titles(&removed, &["organisation", "events"]), ["Retiré"]);
        app.stop().await;
    }
}

#[tokio::test]
async fn an_organisation_has_one_contact_per_e_mail_address() {
    const CREATE: &str = "mutation($i: CreateContactInput!) { createContact(input: $i) { contact { id email } } }";
    for app in apps(false).await {
        let org = organisation(&app, "capital-filles", "Capital Filles", json!({})).await;
        let other = organisation(&app, "elles-bougent", "Elles Bougent", json!({})).await;
        let first = app
            .data(
                CREATE,
                json!({ "i": { "organisationId": org, "firstName": "Camille", "lastName": "Martin", "email": "Camille.Martin@example.org" } }),
            )
            .await;
        let first_id = first["createContact"]["contact"]["id"]
            .as_str()
            .expect("an id")
            .to_string();
        // The same address, whatever its case: refused, naming the contact that has it.
        let body = app
            .gql(
                CREATE,
                json!({ "i": { "organisationId": org, "firstName": "C.", "lastName": "Martin", "email": "camille.martin@EXAMPLE.org" } }),
            )
            .await;
        assert_eq!(error_code(&body), "CONFLICT", "[{}] {body}", app.backend);
        let message = body["errors"][0]["message"].as_str().unwrap_or("");
        assert!(
            message.contains("Camille Martin") && message.contains(&first_id),
            "{message}"
        );
        // Another organisation may list the same person.
        app.data(
            CREATE,
            json!({ "i": { "organisationId": other, "firstName": "Camille", "lastName": "Martin", "email": "camille.martin@example.org" } }),
        )
        .await;
        // Nor may another contact take the address by a change.
        let second = app
            .data(
                CREATE,
                json!({ "i": { "organisationId": org, "firstName": "Inès", "lastName": "Durand", "email": "ines@example.org" } }),
            )
            .await;
        let second_id = second["createContact"]["contact"]["id"].as_str().expect("an id");
        let body = app
            .gql(
                "mutation($id: ID!) { updateContact(id: $id, input: { email: \"CAMILLE.MARTIN@example.org\" }) { contact { id } } }",
                json!({ "id": second_id }),
            )
            .await;
        assert_eq!(error_code(&body), "CONFLICT", "[{}] {body}", app.backend);
        // Its own address, in another case, is no conflict.
        app.data(
            "mutation($id: ID!) { updateContact(id: $id, input: { email: \"camille.martin@example.org\", phone: \"+33 1 99 00 12 34\" }) { contact { id } } }",
            json!({ "id": first_id }),
        )
        .await;
        // An import matches the contact by its address: no duplicate either.
        let file = "first_name,last_name,email,city\r\nCamille,Martin,CAMILLE.MARTIN@example.org,Besançon\r\n";
        let admin = app.admin_token.clone();
        let report = crate::common::upload(
            &app,
            Some(&admin),
            "CONTACTS",
            file.as_bytes(),
            json!({ "organisationId": org }),
        )
        .await;
        assert_eq!(report["data"]["importCsv"]["created"], 0, "[{}] {report}", app.backend);
        assert_eq!(report["data"]["importCsv"]["updated"], 1, "[{}] {report}", app.backend);
        let count = app
            .data(
                "query($org: ID!) { contacts(filter: { organisationId: $org }) { totalCount } }",
                json!({ "org": org }),
            )
            .await;
        assert_eq!(count["contacts"]["totalCount"], 2, "[{}]", app.backend);
        app.stop().await;
    }
}
