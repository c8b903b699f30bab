//! The Apollo Federation v2 subgraph: `_service { sdl }`, `_entities` in order with nulls, the
//! visibility policy through `_entities`, and its statement count.

use serde_json::{Value, json};

use crate::common::{TestApp, apps, event, organisation};

const ENTITIES: [&str; 5] = ["Organisation", "Event", "Resource", "Contact", "Action"];

/// What each entity answers in these tests: its type and id, and one field of its own.
const SELECTION: &str = "__typename
    ... on Organisation { id name }
    ... on Event { id title organiser { name } }
    ... on Resource { id title }
    ... on Contact { id lastName }
    ... on Action { id title }";

fn entities_query() -> String {
    format!("query($r: [_Any!]!) {{ _entities(representations: $r) {{ {SELECTION} }} }}")
}

fn rep(typename: &str, id: &str) -> Value {
    json!({ "__typename": typename, "id": id })
}

/// Resolves representations as the caller with `token` (none: anonymous), failing on errors.
async fn entities(app: &TestApp, token: Option<&str>, reps: Vec<Value>) -> Vec<Value> {
    let body = app.gql_as(token, &entities_query(), json!({ "r": reps })).await;
    assert!(
        body.get("errors").is_none(),
        "[{}] unexpected errors: {body:#}",
        app.backend
    );
    body["data"]["_entities"].as_array().cloned().unwrap_or_default()
}

/// Runs a creating mutation as the administrator and returns the id at `data.<field>.<object>.id`.
async fn create(app: &TestApp, mutation: &str, field: &str, object: &str, input: Value) -> String {
    let data = app
        .data(
            &format!("mutation($input: {mutation}) {{ {field}(input: $input) {{ {object} {{ id }} }} }}"),
            json!({ "input": input }),
        )
        .await;
    data[field][object]["id"].as_str().expect("an id").to_string()
}

#[tokio::test]
async fn service_sdl_links_federation_v2_and_keys_the_five_entities() {
    for app in apps(false).await {
        // A gateway fetches the SDL without credentials.
        let data = app.data_anon("{ _service { sdl } }", json!({})).await;
        let sdl = data["_service"]["sdl"].as_str().expect("an SDL").to_string();
        assert!(
            sdl.contains("extend schema @link(") && sdl.contains("url: \"https://specs.apollo.dev/federation/v2."),
            "[{}] no federation v2 @link:\n{sdl}",
            app.backend
        );
        assert!(sdl.contains("\"@key\""), "[{}] @key is not imported", app.backend);
        for ty in ENTITIES {
            assert!(
                sdl.contains(&format!("type {ty} implements Node @key(fields: \"id\") {{")),
                "[{}] {ty} is not an entity",
                app.backend
            );
        }
        assert_eq!(sdl.matches("@key(fields:").count(), ENTITIES.len(), "[{}]", app.backend);
        // The committed contract is exactly what the subgraph answers.
        assert_eq!(sdl, passerelle::graphql::sdl(), "[{}]", app.backend);

        // The entity resolvers are reached through `_entities` only, not as fields of Query.
        let data = app
            .data_anon("{ __type(name: \"Query\") { fields { name } } }", json!({}))
            .await;
        let fields: Vec<&str> = data["__type"]["fields"]
            .as_array()
            .map(|f| f.iter().filter_map(|f| f["name"].as_str()).collect())
            .unwrap_or_default();
        assert!(
            fields.contains(&"_entities") && fields.contains(&"_service"),
            "{fields:?}"
        );
        assert!(!fields.iter().any(|f| f.starts_with("find")), "{fields:?}");
        app.stop().await;
    }
}

#[tokio::test]
async fn entities_resolve_in_order_with_nulls_for_unknown_ids() {
    for app in apps(false).await {
        let org = organisation(&app, "org-f", "Fédérée", json!({})).await;
        let ev = event(
            &app,
            json!({ "title": "Forum", "startsAt": "2026-05-01T10:00:00Z", "organiserId": org }),
        )
        .await;
        let res = create(
            &app,
            "CreateResourceInput!",
            "createResource",
            "resource",
            json!({ "kind": "VIDEO", "title": "Portraits", "organisationId": org }),
        )
        .await;
        let contact = create(
            &app,
            "CreateContactInput!",
            "createContact",
            "contact",
            json!({ "firstName": "Léa", "lastName": "Durand", "organisationId": org, "visibility": "PUBLIC" }),
        )
        .await;
        let action = create(
            &app,
            "CreateActionInput!",
            "createAction",
            "action",
            json!({ "organisationId": org, "title": "Mentorat" }),
        )
        .await;
        let unknown = uuid::Uuid::new_v4().to_string();

        let got = entities(
            &app,
            None,
            vec![
                rep("Event", &ev),
                rep("Organisation", &org),
                rep("Contact", &contact),
                rep("Event", &unknown),
                rep("Resource", &res),
                rep("Action", &action),
                rep("Organisation", "not-a-uuid"),
                rep("Contact", &ev),
                rep("Event", &ev),
            ],
        )
        .await;
        assert_eq!(
            got,
            vec![
                json!({ "__typename": "Event", "id": ev, "title": "Forum", "organiser": { "name": "Fédérée" } }),
                json!({ "__typename": "Organisation", "id": org, "name": "Fédérée" }),
                json!({ "__typename": "Contact", "id": contact, "lastName": "Durand" }),
                Value::Null,
                json!({ "__typename": "Resource", "id": res, "title": "Portraits" }),
                json!({ "__typename": "Action", "id": action, "title": "Mentorat" }),
                Value::Null,
                // An id of another type names no record of this one.
                Value::Null,
                json!({ "__typename": "Event", "id": ev, "title": "Forum", "organiser": { "name": "Fédérée" } }),
            ],
            "[{}]",
            app.backend
        );
        // No representations, no entities.
        assert_eq!(entities(&app, None, vec![]).await, Vec::<Value>::new());
        app.stop().await;
    }
}

#[tokio::test]
async fn hidden_entities_are_null_for_callers_who_may_not_see_them() {
    for app in apps(false).await {
        let org_a = organisation(&app, "org-a", "A", json!({})).await;
        organisation(&app, "org-b", "B", json!({})).await;
        let mut ids = Vec::new();
        for vis in ["PUBLIC", "ORGANISATION"] {
            let contact = create(
                &app,
                "CreateContactInput!",
                "createContact",
                "contact",
                json!({ "firstName": "Camille", "lastName": format!("C-{vis}"), "organisationId": org_a, "visibility": vis }),
            )
            .await;
            let ev = event(
                &app,
                json!({ "title": format!("E-{vis}"), "startsAt": "2026-05-01T10:00:00Z", "organiserId": org_a, "visibility": vis }),
            )
            .await;
            ids.push((contact, ev));
        }
        let reps: Vec<Value> = ids
            .iter()
            .flat_map(|(c, e)| [rep("Contact", c), rep("Event", e)])
            .collect();
        let names = |got: &[Value]| -> Vec<Option<String>> {
            got.iter()
                .map(|v| {
                    v["lastName"]
                        .as_str()
                        .or_else(|| v["title"].as_str())
                        .map(str::to_string)
                })
                .collect()
        };
        let visible = |names: &[&str]| -> Vec<Option<String>> {
            ["C-PUBLIC", "E-PUBLIC", "C-ORGANISATION", "E-ORGANISATION"]
                .iter()
                .map(|n| names.contains(n).then(|| n.to_string()))
                .collect()
        };

        let anonymous = entities(&app, None, reps.clone()).await;
        assert_eq!(
            names(&anonymous),
            visible(&["C-PUBLIC", "E-PUBLIC"]),
            "[{}]",
            app.backend
        );
        let admin = entities(&app, Some(&app.admin_token), reps.clone()).await;
        assert_eq!(
            names(&admin),
            visible(&["C-PUBLIC", "E-PUBLIC", "C-ORGANISATION", "E-ORGANISATION"]),
            "[{}]",
            app.backend
        );
        let member_a = app
            .account("member-a@example.org", entity::Role::Member, Some(&org_a))
            .await;
        let own = entities(&app, Some(&member_a), reps.clone()).await;
        assert_eq!(names(&own), names(&admin), "[{}]", app.backend);
        app.stop().await;
    }
}

#[tokio::test]
async fn entities_cost_a_constant_number_of_statements() {
    for app in apps(false).await {
        let mut orgs = Vec::new();
        for o in 0..3 {
            orgs.push(organisation(&app, &format!("org-{o}"), &format!("Org {o}"), json!({})).await);
        }
        let mut creates = Vec::new();
        for e in 0..30 {
            creates.push(format!(
                "e{e}: createEvent(input: {{ title: \"Event {e}\", startsAt: \"2026-01-{:02}T10:00:00Z\", organiserId: \"{}\" }}) {{ event {{ id }} }}",
                e + 1,
                orgs[e % orgs.len()]
            ));
        }
        // Fifteen at a time: the hub takes at most 15 aliases per operation.
        let mut data = serde_json::Map::new();
        for batch in creates.chunks(15) {
            let created = app
                .data(&format!("mutation {{ {} }}", batch.join(" ")), json!({}))
                .await;
            data.extend(created.as_object().cloned().unwrap_or_default());
        }
        let events: Vec<String> = (0..30)
            .map(|e| {
                data[&format!("e{e}")]["event"]["id"]
                    .as_str()
                    .expect("an id")
                    .to_string()
            })
            .collect();

        let mut counts = Vec::new();
        for n in [1, 10, 30] {
            let reps: Vec<Value> = events[..n].iter().map(|id| rep("Event", id)).collect();
            let before = app.statements();
            let got = entities(&app, None, reps).await;
            counts.push(app.statements() - before);
            assert_eq!(got.len(), n);
            for (i, ev) in got.iter().enumerate() {
                assert_eq!(ev["id"], events[i], "[{}]", app.backend);
                assert_eq!(ev["title"], format!("Event {i}"), "[{}]", app.backend);
                assert_eq!(ev["organiser"]["name"], format!("Org {}", i % orgs.len()));
            }
        }
        // The events by id, then their organisers by id.
        assert_eq!(counts, vec![2, 2, 2], "[{}] statements per _entities", app.backend);

        // Several types at once: one statement per type, then one for the events' organisers.
        let mut others = Vec::new();
        for (i, org) in orgs.iter().enumerate() {
            let resource = create(
                &app,
                "CreateResourceInput!",
                "createResource",
                "resource",
                json!({ "kind": "VIDEO", "title": format!("R{i}"), "organisationId": org }),
            )
            .await;
            let action = create(
                &app,
                "CreateActionInput!",
                "createAction",
                "action",
                json!({ "organisationId": org, "title": format!("A{i}") }),
            )
            .await;
            others.extend([rep("Resource", &resource), rep("Action", &action)]);
        }
        let mut counts = Vec::new();
        for n in [1, 30] {
            let mut reps: Vec<Value> = events[..n].iter().map(|id| rep("Event", id)).collect();
            reps.extend(others.iter().cloned());
            let before = app.statements();
            let got = entities(&app, None, reps).await;
            counts.push(app.statements() - before);
            assert_eq!(got.len(), n + others.len());
            assert!(got.iter().all(|v| v["id"].is_string()), "[{}] {got:?}", app.backend);
        }
        assert_eq!(counts, vec![4, 4], "[{}] statements per mixed _entities", app.backend);
        app.stop().await;
    }
}
