//! Cursor pagination both ways, every filter, totalCount, and the SQL statement count of
//! nested queries.

use serde_json::{Value, json};

use crate::common::{apps, error_code, error_field, event, organisation};

fn titles(conn: &Value) -> Vec<String> {
    conn["edges"]
        .as_array()
        .map(|edges| {
            edges
                .iter()
                .map(|e| e["node"]["title"].as_str().unwrap_or("").to_string())
                .collect()
        })
        .unwrap_or_default()
}

#[tokio::test]
async fn events_paginate_forward_and_backward() {
    for app in apps(false).await {
        for i in 0..7 {
            event(
                &app,
                json!({ "title": format!("E{i}"), "startsAt": format!("2026-05-0{}T10:00:00Z", i + 1) }),
            )
            .await;
        }
        let q = "query($first: Int, $after: String, $last: Int, $before: String) {
            events(first: $first, after: $after, last: $last, before: $before) {
              edges { cursor node { title } } pageInfo { hasNextPage hasPreviousPage startCursor endCursor } } }";
        let p1 = app.data(q, json!({ "first": 3 })).await["events"].clone();
        assert_eq!(titles(&p1), ["E0", "E1", "E2"]);
        assert_eq!(p1["pageInfo"]["hasNextPage"], true);
        assert_eq!(p1["pageInfo"]["hasPreviousPage"], false);
        let p2 = app
            .data(q, json!({ "first": 3, "after": p1["pageInfo"]["endCursor"] }))
            .await["events"]
            .clone();
        assert_eq!(titles(&p2), ["E3", "E4", "E5"]);
        assert_eq!(p2["pageInfo"]["hasPreviousPage"], true);
        let p3 = app
            .data(q, json!({ "first": 3, "after": p2["pageInfo"]["endCursor"] }))
            .await["events"]
            .clone();
        assert_eq!(titles(&p3), ["E6"]);
        assert_eq!(p3["pageInfo"]["hasNextPage"], false);

        // Backward from the end, then before a cursor.
        let b1 = app.data(q, json!({ "last": 2 })).await["events"].clone();
        assert_eq!(titles(&b1), ["E5", "E6"]);
        assert_eq!(b1["pageInfo"]["hasPreviousPage"], true);
        let b2 = app
            .data(q, json!({ "last": 2, "before": b1["pageInfo"]["startCursor"] }))
            .await["events"]
            .clone();
        assert_eq!(titles(&b2), ["E3", "E4"]);
        assert_eq!(b2["pageInfo"]["hasNextPage"], true);
        // Between two cursors.
        let mid = app
            .data(
                q,
                json!({ "first": 10, "after": p1["pageInfo"]["startCursor"], "before": b1["pageInfo"]["endCursor"] }),
            )
            .await["events"]
            .clone();
        assert_eq!(titles(&mid), ["E1", "E2", "E3", "E4", "E5"]);

        // Descending order and its cursors.
        let desc = app
            .data(
                "{ events(first: 2, orderBy: STARTS_AT_DESC) { nodes { title } pageInfo { endCursor } } }",
                json!({}),
            )
            .await;
        assert_eq!(desc["events"]["nodes"], json!([{ "title": "E6" }, { "title": "E5" }]));
        let next = app
            .data(
                "query($after: String) { events(first: 2, orderBy: STARTS_AT_DESC, after: $after) { nodes { title } } }",
                json!({ "after": desc["events"]["pageInfo"]["endCursor"] }),
            )
            .await;
        assert_eq!(next["events"]["nodes"], json!([{ "title": "E4" }, { "title": "E3" }]));
        let by_title = app
            .data("{ events(last: 1, orderBy: TITLE_ASC) { nodes { title } } }", json!({}))
            .await;
        assert_eq!(by_title["events"]["nodes"], json!([{ "title": "E6" }]));

        // Bad page arguments.
        for (args, field) in [
            (json!({ "first": 101 }), "first"),
            (json!({ "first": -1 }), "first"),
            (json!({ "first": 1, "last": 1 }), "last"),
            (json!({ "after": "garbage" }), "after"),
        ] {
            let body = app.gql(q, args).await;
            assert_eq!(error_code(&body), "BAD_USER_INPUT", "{body}");
            assert_eq!(error_field(&body), field, "{body}");
        }
        // A cursor of another order is refused.
        let body = app
            .gql(
                "query($after: String) { events(orderBy: TITLE_ASC, after: $after) { nodes { title } } }",
                json!({ "after": p1["pageInfo"]["endCursor"] }),
            )
            .await;
        assert_eq!(error_field(&body), "after");
        let default_page = app.data("{ events { nodes { title } } }", json!({})).await;
        assert_eq!(default_page["events"]["nodes"].as_array().map(Vec::len), Some(7));
        app.stop().await;
    }
}

#[tokio::test]
async fn every_filter_narrows_its_list() {
    for app in apps(false).await {
        let a = organisation(
            &app,
            "org-a",
            "A",
            json!({ "kind": "CMQ", "region": "HAUTS_DE_FRANCE" }),
        )
        .await;
        let b = organisation(&app, "org-b", "B", json!({ "kind": "COMPANY", "region": "OCCITANIE" })).await;
        event(
            &app,
            json!({ "title": "Forum Arques", "startsAt": "2026-02-01T09:00:00Z", "organiserId": a,
                    "location": { "city": "Arques", "departement": "62", "region": "HAUTS_DE_FRANCE" },
                    "openToPublic": true, "audiences": ["LYCEE"], "tags": ["forum"] }),
        )
        .await;
        event(
            &app,
            json!({ "title": "Stage Toulouse", "startsAt": "2026-06-01T09:00:00Z", "organiserId": b,
                    "location": { "city": "Toulouse", "departement": "31", "region": "OCCITANIE" },
                    "openToPublic": false, "audiences": ["COLLEGE"], "tags": ["stage"], "status": "CANCELLED" }),
        )
        .await;
        let q = "query($f: EventFilter) { events(filter: $f) { totalCount nodes { title } } }";
        for (filter, expected) in [
            (json!({ "startsAfter": "2026-03-01T00:00:00Z" }), "Stage Toulouse"),
            (json!({ "startsBefore": "2026-03-01T00:00:00Z" }), "Forum Arques"),
            (json!({ "region": "OCCITANIE" }), "Stage Toulouse"),
            (json!({ "departement": "62" }), "Forum Arques"),
            (json!({ "city": "toulouse" }), "Stage Toulouse"),
            (json!({ "organisationId": a }), "Forum Arques"),
            (json!({ "openToPublic": false }), "Stage Toulouse"),
            (json!({ "audience": "LYCEE" }), "Forum Arques"),
            (json!({ "tag": "Stage" }), "Stage Toulouse"),
            (json!({ "status": "CANCELLED" }), "Stage Toulouse"),
        ] {
            let data = app.data(q, json!({ "f": filter })).await;
            assert_eq!(data["events"]["totalCount"], 1, "[{}] {filter}", app.backend);
            assert_eq!(
                data["events"]["nodes"][0]["title"], expected,
                "[{}] {filter}",
                app.backend
            );
        }

        app.data(
            "mutation($a: ID!) { r1: createResource(input: { kind: VIDEO, title: \"Portraits\", freeOfRights: true, audiences: [JOB_SEEKERS], tags: [\"portrait\"], organisationId: $a, language: \"fr\" }) { resource { id } }
                                 r2: createResource(input: { kind: POSTER, title: \"Affiches\", language: \"en\" }) { resource { id } } }",
            json!({ "a": a }),
        )
        .await;
        let q = "query($f: ResourceFilter) { resources(filter: $f) { totalCount nodes { title } } }";
        for (filter, expected) in [
            (json!({ "kind": "POSTER" }), "Affiches"),
            (json!({ "freeOfRights": true }), "Portraits"),
            (json!({ "audience": "JOB_SEEKERS" }), "Portraits"),
            (json!({ "tag": "portrait" }), "Portraits"),
            (json!({ "organisationId": a }), "Portraits"),
            (json!({ "language": "en" }), "Affiches"),
        ] {
            let data = app.data(q, json!({ "f": filter })).await;
            assert_eq!(data["resources"]["totalCount"], 1, "[{}] {filter}", app.backend);
            assert_eq!(data["resources"]["nodes"][0]["title"], expected);
        }

        let q = "query($f: OrganisationFilter) { organisations(filter: $f) { totalCount nodes { slug } } }";
        for (filter, expected) in [
            (json!({ "kind": "COMPANY" }), "org-b"),
            (json!({ "region": "HAUTS_DE_FRANCE" }), "org-a"),
        ] {
            let data = app.data(q, json!({ "f": filter })).await;
            assert_eq!(data["organisations"]["totalCount"], 1);
            assert_eq!(data["organisations"]["nodes"][0]["slug"], expected);
        }

        app.data(
            "mutation($a: ID!, $b: ID!) {
               c1: createContact(input: { firstName: \"Léa\", lastName: \"Durand\", organisationId: $a, region: HAUTS_DE_FRANCE, audiences: [PARENTS] }) { contact { id } }
               c2: createContact(input: { firstName: \"Noé\", lastName: \"Petit\", organisationId: $b, region: OCCITANIE, audiences: [TEACHERS] }) { contact { id } }
               a1: createAction(input: { organisationId: $a, title: \"Plan\", region: HAUTS_DE_FRANCE, status: COMPLETED }) { action { id } }
               a2: createAction(input: { organisationId: $b, title: \"Mentorat\", region: OCCITANIE, status: PLANNED }) { action { id } } }",
            json!({ "a": a, "b": b }),
        )
        .await;
        let q = "query($f: ContactFilter) { contacts(filter: $f) { totalCount nodes { lastName } } }";
        for (filter, expected) in [
            (json!({ "organisationId": a }), "Durand"),
            (json!({ "region": "OCCITANIE" }), "Petit"),
            (json!({ "audience": "PARENTS" }), "Durand"),
        ] {
            let data = app.data(q, json!({ "f": filter })).await;
            assert_eq!(data["contacts"]["totalCount"], 1);
            assert_eq!(data["contacts"]["nodes"][0]["lastName"], expected);
        }
        let q = "query($f: ActionFilter) { actions(filter: $f) { totalCount nodes { title } } }";
        for (filter, expected) in [
            (json!({ "organisationId": b }), "Mentorat"),
            (json!({ "region": "HAUTS_DE_FRANCE" }), "Plan"),
            (json!({ "status": "PLANNED" }), "Mentorat"),
        ] {
            let data = app.data(q, json!({ "f": filter })).await;
            assert_eq!(data["actions"]["totalCount"], 1);
            assert_eq!(data["actions"]["nodes"][0]["title"], expected);
        }

        // Nested connections take the same filters and count per parent.
        let data = app
            .data(
                "{ organisations(orderBy: SLUG_ASC) { nodes { slug events(filter: { status: CANCELLED }) { totalCount }
                    contacts { totalCount nodes { lastName } } actions { totalCount } resources { totalCount } } } }",
                json!({}),
            )
            .await;
        let nodes = &data["organisations"]["nodes"];
        assert_eq!(nodes[0]["events"]["totalCount"], 0);
        assert_eq!(nodes[1]["events"]["totalCount"], 1);
        assert_eq!(nodes[0]["contacts"]["nodes"][0]["lastName"], "Durand");
        assert_eq!(nodes[0]["resources"]["totalCount"], 1);
        assert_eq!(nodes[1]["actions"]["totalCount"], 1);
        app.stop().await;
    }
}

#[tokio::test]
async fn nested_queries_use_a_constant_number_of_statements() {
    for app in apps(false).await {
        for o in 0..20 {
            let org = organisation(&app, &format!("org-{o:02}"), &format!("Org {o:02}"), json!({})).await;
            let mut events = Vec::new();
            for e in 0..12 {
                events.push(format!(
                    "e{e}: createEvent(input: {{ title: \"Event {o}-{e}\", startsAt: \"2026-01-{:02}T10:00:00Z\", organiserId: \"{org}\" }}) {{ event {{ id }} }}",
                    e + 1
                ));
            }
            app.data(&format!("mutation {{ {} }}", events.join(" ")), json!({}))
                .await;
        }
        let query = |orgs: u32, events: u32| {
            format!(
                "{{ organisations(first: {orgs}, orderBy: SLUG_ASC) {{ nodes {{ name events(first: {events}) {{
                    totalCount nodes {{ title startsAt organiser {{ name }} }} }} }} }} }}"
            )
        };
        let mut counts = Vec::new();
        for (orgs, events) in [(20, 10), (5, 2), (20, 1)] {
            let before = app.statements();
            let data = app.data_anon(&query(orgs, events), json!({})).await;
            counts.push(app.statements() - before);
            let nodes = data["organisations"]["nodes"].as_array().cloned().unwrap_or_default();
            assert_eq!(nodes.len(), orgs as usize);
            for org in &nodes {
                assert_eq!(org["events"]["nodes"].as_array().map(Vec::len), Some(events as usize));
                assert_eq!(org["events"]["totalCount"], 12);
                assert_eq!(org["events"]["nodes"][0]["organiser"]["name"], org["name"]);
                // Each page is its organisation's first events, in order.
                let o: u32 = org["name"]
                    .as_str()
                    .unwrap_or_default()
                    .trim_start_matches("Org ")
                    .parse()
                    .expect("a number");
                let titles: Vec<&str> = org["events"]["nodes"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .filter_map(|n| n["title"].as_str())
                    .collect();
                let expected: Vec<String> = (0..events).map(|e| format!("Event {o}-{e}")).collect();
                assert_eq!(titles, expected, "[{}]", app.backend);
            }
        }
        // organisations, their events, the events' organisers, the per-organisation counts.
        assert_eq!(counts, vec![4, 4, 4], "[{}] statements per query", app.backend);

        // Without totalCount, no count statement runs.
        let before = app.statements();
        app.data_anon(
            "{ events(first: 50) { nodes { title organiser { name } } } }",
            json!({}),
        )
        .await;
        // The organisers are read in the page's statement.
        assert_eq!(app.statements() - before, 1, "[{}]", app.backend);
        app.stop().await;
    }
}

#[tokio::test]
async fn long_texts_come_back_whenever_a_query_asks_for_them() {
    for app in apps(false).await {
        let org = organisation(&app, "org-t", "T", json!({ "description": "Un réseau" })).await;
        event(
            &app,
            json!({ "title": "Forum", "startsAt": "2026-03-01T10:00:00Z", "organiserId": org, "description": "Rencontres métiers" }),
        )
        .await;
        let light = app.data("{ events { nodes { title } } }", json!({})).await;
        assert_eq!(light["events"]["nodes"][0]["title"], "Forum");
        let full = app
            .data(
                "{ events { edges { node { description } } } organisations { nodes { description events { nodes { description } } } } }",
                json!({}),
            )
            .await;
        assert_eq!(full["events"]["edges"][0]["node"]["description"], "Rencontres métiers");
        assert_eq!(full["organisations"]["nodes"][0]["description"], "Un réseau");
        assert_eq!(
            full["organisations"]["nodes"][0]["events"]["nodes"][0]["description"],
            "Rencontres métiers"
        );
        app.stop().await;
    }
}
