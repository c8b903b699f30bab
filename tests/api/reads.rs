//! What a read costs and what it reads: statements per shape (a to-one relation joined in its
//! rows' statement, one read for a session), the columns a page leaves out answered right, and
//! repeated documents answered and refused as the first time.

use serde_json::{Value, json};

use crate::common::{apps, apps_configured, error_code, event, organisation};

/// Every field of `Event` the benchmark shapes and the console read.
const EVENT_FIELDS: &str = "id title description location { name address postalCode city departement region latitude
    longitude } startsAt endsAt allDay timezone openToPublic url author organiserName audiences tags status
    visibility provenance { sourceUid } createdAt updatedAt";

async fn seed(app: &crate::common::TestApp) -> (String, String, String) {
    let org = organisation(
        app,
        "cmq-bfc",
        "CMQ Bourgogne-Franche-Comté",
        json!({ "description": "Campus des métiers", "city": "Besançon", "website": "https://cmq.example.org" }),
    )
    .await;
    let with = event(
        app,
        json!({ "title": "Forum des métiers", "description": "Ingénieures et techniciennes",
                "startsAt": "2026-03-01T09:00:00Z", "endsAt": "2026-03-01T17:00:00Z", "organiserId": org,
                "url": "https://forum.example.org", "author": "Léa",
                "location": { "name": "ENSMM", "city": "Besançon", "postalCode": "25000",
                              "region": "BOURGOGNE_FRANCHE_COMTE", "latitude": 47.25, "longitude": 5.99 },
                "audiences": ["LYCEE"], "tags": ["forum"] }),
    )
    .await;
    let without = event(
        app,
        json!({ "title": "Exposition", "startsAt": "2026-03-02T09:00:00Z", "organiserName": "La ville" }),
    )
    .await;
    (org, with, without)
}

#[tokio::test]
async fn a_selected_organiser_is_read_in_the_statement_of_its_events() {
    for app in apps(false).await {
        let (org, with, without) = seed(&app).await;
        for _ in 0..3 {
            organisation(
                &app,
                &format!("o-{}", uuid::Uuid::new_v4()),
                &uuid::Uuid::new_v4().to_string(),
                json!({}),
            )
            .await;
        }

        // (a) a page of events with the organiser's name: one statement.
        let before = app.statements();
        let data = app
            .data_anon(
                "{ events(first: 50) { nodes { id title startsAt endsAt location { city } organiser { name } } } }",
                json!({}),
            )
            .await;
        assert_eq!(app.statements() - before, 1, "[{}] statements for a page", app.backend);
        let nodes = &data["events"]["nodes"];
        assert_eq!(nodes[0]["id"], with.as_str());
        assert_eq!(nodes[0]["organiser"]["name"], "CMQ Bourgogne-Franche-Comté");
        assert_eq!(nodes[0]["location"]["city"], "Besançon");
        assert_eq!(nodes[0]["endsAt"], "2026-03-01T17:00:00+00:00");
        assert_eq!(nodes[1]["id"], without.as_str());
        assert_eq!(nodes[1]["organiser"], Value::Null);

        // (b) one event by id with its organiser: one statement.
        let by_id = "query($id: ID!) { event(id: $id) { id title description organiser { id name } } }";
        let before = app.statements();
        let data = app.data_anon(by_id, json!({ "id": with })).await;
        assert_eq!(
            app.statements() - before,
            1,
            "[{}] statements for an event",
            app.backend
        );
        assert_eq!(data["event"]["organiser"]["id"], org.as_str());
        assert_eq!(data["event"]["description"], "Ingénieures et techniciennes");

        // What the joined read left out is read when another selection shows it: the
        // organiser's description is read with the page that asks for it.
        let before = app.statements();
        let data = app
            .data_anon(
                "{ events(first: 1) { nodes { organiser { name description website city } } }
                   e: events(first: 1) { nodes { organiser { name } } } }",
                json!({}),
            )
            .await;
        assert_eq!(app.statements() - before, 2, "[{}] one statement per page", app.backend);
        let organiser = &data["events"]["nodes"][0]["organiser"];
        assert_eq!(organiser["description"], "Campus des métiers");
        assert_eq!(organiser["website"], "https://cmq.example.org/");
        assert_eq!(organiser["city"], "Besançon");
        assert_eq!(
            data["e"]["nodes"][0]["organiser"]["name"],
            "CMQ Bourgogne-Franche-Comté"
        );

        // Without the organiser, nothing is joined and nothing else is read.
        let before = app.statements();
        app.data_anon("{ events(first: 5) { nodes { title } } }", json!({}))
            .await;
        assert_eq!(app.statements() - before, 1, "[{}]", app.backend);
        app.stop().await;
    }
}

#[tokio::test]
async fn a_page_reads_only_what_its_selection_shows_and_shows_it_right() {
    for app in apps(false).await {
        let (_, with, _) = seed(&app).await;
        // The whole event, read by id, is what every narrower page must agree with.
        let whole = app
            .data_anon(
                &format!("query($id: ID!) {{ event(id: $id) {{ {EVENT_FIELDS} organiser {{ name }} }} }}"),
                json!({ "id": with }),
            )
            .await["event"]
            .clone();
        assert_eq!(whole["location"]["postalCode"], "25000");
        for selection in [
            "id title",
            "id location { city }",
            "id location { latitude longitude region }",
            "id endsAt url author",
            "id provenance { sourceUid } url",
            "id organiserName audiences tags",
            EVENT_FIELDS,
        ] {
            let data = app
                .data_anon(
                    &format!("{{ events(first: 1) {{ nodes {{ {selection} }} }} organisations(first: 1) {{ nodes {{ name events(first: 1) {{ edges {{ cursor node {{ {selection} }} }} }} }} }} }}"),
                    json!({}),
                )
                .await;
            for node in [
                &data["events"]["nodes"][0],
                &data["organisations"]["nodes"][0]["events"]["edges"][0]["node"],
            ] {
                let shown = node.as_object().cloned().unwrap_or_default();
                assert!(!shown.is_empty(), "[{}] {selection}", app.backend);
                for (field, value) in shown {
                    match (&whole[&field], &value) {
                        (Value::Object(all), Value::Object(part)) => {
                            for (k, v) in part {
                                assert_eq!(&all[k], v, "[{}] {field}.{k} for {selection}", app.backend);
                            }
                        }
                        (all, part) => assert_eq!(all, part, "[{}] {field} for {selection}", app.backend),
                    }
                }
            }
        }
        app.stop().await;
    }
}

#[tokio::test]
async fn a_session_costs_one_read() {
    for app in apps(false).await {
        let org = organisation(&app, "cmq", "CMQ", json!({})).await;
        event(
            &app,
            json!({ "title": "Forum", "startsAt": "2026-03-01T09:00:00Z", "organiserId": org }),
        )
        .await;
        let member = app
            .account("member@example.org", entity::Role::Member, Some(&org))
            .await;
        let query = "{ events(first: 50) { nodes { id title organiser { name } } } }";
        let before = app.statements();
        let body = app.gql_as(Some(&member), query, json!({})).await;
        assert!(body.get("errors").is_none(), "{body}");
        assert_eq!(body["data"]["events"]["nodes"][0]["organiser"]["name"], "CMQ");
        // The session with its account, then the page with its organisers.
        assert_eq!(
            app.statements() - before,
            2,
            "[{}] statements for a member",
            app.backend
        );
        // A revoked session is refused at once, whatever was read before.
        let out = app
            .gql_as(Some(&member), "mutation { logout { __typename } }", json!({}))
            .await;
        assert!(out.get("errors").is_none(), "{out}");
        let refused = app.gql_as(Some(&member), query, json!({})).await;
        assert_eq!(error_code(&refused), "UNAUTHENTICATED", "{refused}");
        app.stop().await;
    }
}

#[tokio::test]
async fn a_repeated_document_is_answered_and_refused_as_the_first_time() {
    // With a budget, so that each answer tells what it cost.
    for app in apps_configured(false, |c| c.security.rate_limit_anonymous = 1_000_000).await {
        for i in 0..3 {
            event(
                &app,
                json!({ "title": format!("E{i}"), "startsAt": format!("2026-03-0{}T09:00:00Z", i + 1) }),
            )
            .await;
        }
        let query = "query($n: Int) { events(first: $n) { nodes { title } } }";
        let mut spent = Vec::new();
        for n in [2, 2, 3, 2] {
            let body = app.gql_as(None, query, json!({ "n": n })).await;
            assert_eq!(
                body["data"]["events"]["nodes"].as_array().map(Vec::len),
                Some(n),
                "{body}"
            );
            spent.push(body["extensions"]["cost"]["requested"].as_u64().unwrap_or(0));
        }
        // The budget is spent on each request's own complexity, remembered or not.
        assert!(
            spent[0] > 0 && spent[0] == spent[1] && spent[1] == spent[3],
            "{spent:?}"
        );
        assert!(spent[2] > spent[1], "{spent:?}");
        // New variables are validated, even for a document already seen.
        let refused = app.gql_as(None, query, json!({ "n": "two" })).await;
        assert_eq!(error_code(&refused), "GRAPHQL_VALIDATION_FAILED", "{refused}");
        assert!(refused.get("data").is_none(), "{refused}");
        let refused = app.gql_as(None, query, json!({ "n": 500 })).await;
        assert_eq!(error_code(&refused), "BAD_USER_INPUT", "{refused}");
        // A refused document is refused again: refusals are not remembered.
        for _ in 0..2 {
            let refused = app.gql_as(None, "{ events { nope } }", json!({})).await;
            assert_eq!(error_code(&refused), "GRAPHQL_VALIDATION_FAILED", "{refused}");
        }
        app.stop().await;
    }
}

#[tokio::test]
async fn a_large_document_seen_before_is_answered_refused_and_counted_as_the_first_time() {
    // From about 50 fields a validated document runs on the schema without extensions
    // (`exec::LEAN_FROM_COMPLEXITY`): what the extensions add must still be there.
    // A budget small enough that what one answer spends is not refilled before the next
    // (10,000 a minute: 252 come back in 1.5 s), even on a slow machine.
    let configured = apps_configured(false, |c| {
        c.security.rate_limit_anonymous = 10_000;
        c.security.rate_limit_authenticated = 10_000;
    });
    for app in configured.await {
        let org = organisation(&app, "capital-filles", "Capital Filles", json!({})).await;
        for i in 0..3 {
            event(
                &app,
                json!({ "title": format!("E{i}"), "startsAt": format!("2026-03-0{}T09:00:00Z", i + 1) }),
            )
            .await;
        }
        let member = app
            .account("membre@capital-filles.example.org", entity::Role::Member, Some(&org))
            .await;
        let query = "query($org: ID!) { events(first: 50) { nodes { id title startsAt endsAt } }
            apiKeys(organisationId: $org) { id } }";
        let mut answers = Vec::new();
        for _ in 0..3 {
            let body = app.gql_as(Some(&member), query, json!({ "org": org })).await;
            assert_eq!(
                body["data"]["events"]["nodes"].as_array().map(Vec::len),
                Some(3),
                "[{}] {body}",
                app.backend
            );
            assert_eq!(body["data"]["apiKeys"], Value::Null, "{body}");
            let error = &body["errors"][0];
            assert_eq!(error["extensions"]["code"], "FORBIDDEN", "{body}");
            assert_eq!(error["extensions"]["organisationName"], "Capital Filles", "{body}");
            assert_eq!(error["path"], json!(["apiKeys"]), "{body}");
            let cost = &body["extensions"]["cost"];
            assert!(cost["requested"].as_u64() >= Some(50), "{body}");
            answers.push((
                error["message"].clone(),
                cost["requested"].clone(),
                cost["remaining"].clone(),
            ));
        }
        // The same refusal, the same cost, and the budget spent each time.
        assert_eq!(answers[0].0, answers[2].0);
        assert_eq!(answers[0].1, answers[2].1);
        assert!(answers[2].2.as_u64() < answers[1].2.as_u64(), "{answers:?}");
        assert!(answers[1].2.as_u64() < answers[0].2.as_u64(), "{answers:?}");
        app.stop().await;
    }
}

/// The fields of pages' rows answered on the spot (`graphql::fast`) agree with async-graphql's
/// own path, which a fragment takes: values, aliases, repeated keys, `__typename`, fields that
/// wait (a loader, a nested page), and errors with their paths.
#[tokio::test]
async fn rows_answered_on_the_spot_agree_with_async_graphql_s_own_path() {
    for app in apps(false).await {
        let (_, with, _) = seed(&app).await;
        let event_fields = format!(
            "{EVENT_FIELDS} firstDay lastDay __typename a: title location {{ city }} location {{ name }}
             organiser {{ __typename id slug name kind region departement postalCode city website description
             createdAt updatedAt }} experienceReports(first: 2) {{ totalCount }}"
        );
        let organisation_fields = format!(
            "__typename id slug name kind region departement postalCode city website description createdAt updatedAt
             events(first: 3) {{ nodes {{ {event_fields} }} edges {{ cursor node {{ id title organiser {{ name }} }} }} }}"
        );
        let shapes = [
            format!(
                "{{ events(first: 50) {{ nodes {{ {event_fields} }} edges {{ cursor node {{ {event_fields} }} }} }} }}"
            ),
            format!("query($id: ID!) {{ event(id: $id) {{ {event_fields} }} }}"),
            format!("{{ organisations(first: 20) {{ nodes {{ {organisation_fields} }} }} }}"),
            // An error inside a page: its path and the nulls it leaves.
            "{ events(first: 5) { nodes { id experienceReports(first: 500) { totalCount } } } }".to_string(),
            "{ organisations(first: 5) { nodes { id events(first: 500) { nodes { id } } } } }".to_string(),
        ];
        for shape in shapes {
            // The same selection inside a fragment on every object of the answer takes
            // async-graphql's own path for each.
            let through_fragments = wrap_in_fragments(&shape);
            // The fragments move the fields along the line: errors are compared without
            // their locations.
            let answer = |mut body: Value| {
                for error in body["errors"].as_array_mut().into_iter().flatten() {
                    error.as_object_mut().map(|e| e.remove("locations"));
                }
                body
            };
            let direct = answer(app.gql(&shape, json!({ "id": with })).await);
            let generic = answer(app.gql(&through_fragments, json!({ "id": with })).await);
            assert_eq!(direct, generic, "[{}] {shape}", app.backend);
            assert!(
                direct.get("data").is_some_and(|d| !d.is_null()) || direct.get("errors").is_some(),
                "[{}] {direct}",
                app.backend
            );
        }
        app.stop().await;
    }
}

/// `shape` with every selection set but the operation's put inside an inline fragment without
/// a type condition (`{ ... { x } }`): it applies to any type, and sends each object down
/// async-graphql's own path.
fn wrap_in_fragments(shape: &str) -> String {
    let mut out = String::with_capacity(shape.len() * 2);
    let mut depth = 0;
    let mut seen_first = false;
    for c in shape.chars() {
        match c {
            '{' => {
                depth += 1;
                // The operation's own selection stays as it is: Query is no plain type.
                if seen_first {
                    out.push_str("{ ... {");
                } else {
                    out.push('{');
                    seen_first = true;
                }
            }
            '}' => {
                depth -= 1;
                if depth == 0 {
                    out.push('}');
                } else {
                    out.push_str("} }");
                }
            }
            _ => out.push(c),
        }
    }
    out
}
