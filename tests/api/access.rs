//! The visibility policy and the write rules, as a table: every role × every visibility ×
//! every access path × every type.

use std::collections::BTreeSet;

use serde_json::{Value, json};

use crate::common::{self, TestApp, apps, error_code};

const VISIBILITIES: [&str; 3] = ["PUBLIC", "PARTNERS", "ORGANISATION"];

struct World {
    org_a: String,
    org_b: String,
    /// (role name, token) — None is anonymous.
    roles: Vec<(&'static str, Option<String>)>,
    /// type → visibility → id
    records: Vec<(&'static str, &'static str, String)>,
}

async fn create(app: &TestApp, mutation: &str, input: Value, path: &str) -> String {
    let body = app
        .gql(
            &format!("mutation($input: {mutation}) {{ {path} }}"),
            json!({ "input": input }),
        )
        .await;
    assert!(body.get("errors").is_none(), "{body}");
    let field = path.split('(').next().unwrap_or("").trim();
    let object = body["data"][field]
        .as_object()
        .and_then(|o| o.values().next())
        .cloned()
        .unwrap_or_default();
    object["id"].as_str().expect("an id").to_string()
}

async fn world(app: &TestApp) -> World {
    let org_a = common::organisation(app, "org-a", "A", json!({})).await;
    let org_b = common::organisation(app, "org-b", "B", json!({})).await;
    let mut records = Vec::new();
    for vis in VISIBILITIES {
        let input = json!({ "firstName": "Camille", "lastName": format!("C-{vis}"), "email": format!("c-{}@example.org", vis.to_lowercase()),
                            "phone": "+33 1 99 00 00 00", "organisationId": org_a, "visibility": vis });
        let id = create(
            app,
            "CreateContactInput!",
            input,
            "createContact(input: $input) { contact { id } }",
        )
        .await;
        records.push(("contact", vis, id));
        let input = json!({ "kind": "VIDEO", "title": format!("R-{vis}"), "organisationId": org_a, "visibility": vis });
        let id = create(
            app,
            "CreateResourceInput!",
            input,
            "createResource(input: $input) { resource { id } }",
        )
        .await;
        records.push(("resource", vis, id));
        let input = json!({ "title": format!("E-{vis}"), "startsAt": "2026-05-01T10:00:00Z", "organiserId": org_a, "visibility": vis });
        let id = create(
            app,
            "CreateEventInput!",
            input,
            "createEvent(input: $input) { event { id } }",
        )
        .await;
        records.push(("event", vis, id));
        let input = json!({ "title": format!("A-{vis}"), "organisationId": org_a, "visibility": vis });
        let action = create(
            app,
            "CreateActionInput!",
            input,
            "createAction(input: $input) { action { id } }",
        )
        .await;
        records.push(("action", vis, action.clone()));
        let input =
            json!({ "actionId": action, "author": "A", "text": format!("X-{vis}"), "reportedOn": "2026-01-01" });
        let id = create(
            app,
            "CreateExperienceReportInput!",
            input,
            "createExperienceReport(input: $input) { experienceReport { id } }",
        )
        .await;
        records.push(("experienceReport", vis, id));
    }
    let member_a = app
        .account("member-a@example.org", entity::Role::Member, Some(&org_a))
        .await;
    let editor_a = app
        .account("editor-a@example.org", entity::Role::Editor, Some(&org_a))
        .await;
    let editor_b = app
        .account("editor-b@example.org", entity::Role::Editor, Some(&org_b))
        .await;
    let mut keys = Vec::new();
    for scope in ["READ", "READ_WRITE"] {
        let body = app
            .gql_as(
                Some(&editor_a),
                "mutation($org: ID!, $scope: ApiKeyScope!) { createApiKey(input: { organisationId: $org, name: \"site\", scope: $scope }) { secret apiKey { id } } }",
                json!({ "org": org_a, "scope": scope }),
            )
            .await;
        keys.push(
            body["data"]["createApiKey"]["secret"]
                .as_str()
                .expect("a secret")
                .to_string(),
        );
    }
    let roles = vec![
        ("anonymous", None),
        ("member of owner", Some(member_a)),
        ("editor of owner", Some(editor_a)),
        ("editor of another", Some(editor_b)),
        ("admin", Some(app.admin_token.clone())),
        ("read key of owner", Some(keys[0].clone())),
        ("read-write key of owner", Some(keys[1].clone())),
    ];
    World {
        org_a,
        org_b,
        roles,
        records,
    }
}

/// Which visibilities a role sees of records owned by organisation A.
fn expected(role: &str) -> &'static [&'static str] {
    match role {
        "anonymous" => &["PUBLIC"],
        "editor of another" => &["PUBLIC", "PARTNERS"],
        _ => &["PUBLIC", "PARTNERS", "ORGANISATION"],
    }
}

fn ids(value: &Value) -> BTreeSet<String> {
    value["nodes"]
        .as_array()
        .map(|nodes| {
            nodes
                .iter()
                .filter_map(|n| n["id"].as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default()
}

#[tokio::test]
async fn every_role_sees_exactly_what_the_policy_allows() {
    for app in apps(false).await {
        let w = world(&app).await;
        for (role, token) in &w.roles {
            let token = token.as_deref();
            let want = |ty: &str| -> BTreeSet<String> {
                w.records
                    .iter()
                    .filter(|(t, vis, _)| *t == ty && expected(role).contains(vis))
                    .map(|(_, _, id)| id.clone())
                    .collect()
            };
            // Lists and totalCount.
            let body = app
                .gql_as(
                    token,
                    "{ contacts(first: 100) { totalCount nodes { id email phone } } resources(first: 100) { totalCount nodes { id } }
                       events(first: 100) { totalCount nodes { id } } actions(first: 100) { totalCount nodes { id } }
                       experienceReports(first: 100) { totalCount nodes { id } } }",
                    json!({}),
                )
                .await;
            assert!(body.get("errors").is_none(), "[{}] {role}: {body}", app.backend);
            for (field, ty) in [
                ("contacts", "contact"),
                ("resources", "resource"),
                ("events", "event"),
                ("actions", "action"),
                ("experienceReports", "experienceReport"),
            ] {
                let list = &body["data"][field];
                assert_eq!(ids(list), want(ty), "[{}] {role} lists {field}", app.backend);
                assert_eq!(
                    list["totalCount"].as_u64(),
                    Some(want(ty).len() as u64),
                    "[{}] {role} counts {field}",
                    app.backend
                );
            }
            // Contacts' e-mail and phone are never shown to anonymous callers.
            for contact in body["data"]["contacts"]["nodes"]
                .as_array()
                .cloned()
                .unwrap_or_default()
            {
                assert_eq!(
                    contact["email"].is_null(),
                    *role == "anonymous",
                    "[{}] {role}",
                    app.backend
                );
                assert_eq!(
                    contact["phone"].is_null(),
                    *role == "anonymous",
                    "[{}] {role}",
                    app.backend
                );
            }
            // Nested relations, with their counts.
            let body = app
                .gql_as(
                    token,
                    "query($a: ID!) { organisation(id: $a) {
                        contacts(first: 10) { totalCount nodes { id } } resources(first: 10) { totalCount nodes { id } }
                        events(first: 10) { totalCount nodes { id } } actions(first: 10) { totalCount nodes { id experienceReports(first: 5) { totalCount nodes { id } } } } } }",
                    json!({ "a": w.org_a }),
                )
                .await;
            assert!(body.get("errors").is_none(), "[{}] {role}: {body}", app.backend);
            let org = &body["data"]["organisation"];
            for (field, ty) in [
                ("contacts", "contact"),
                ("resources", "resource"),
                ("events", "event"),
                ("actions", "action"),
            ] {
                assert_eq!(ids(&org[field]), want(ty), "[{}] {role} nests {field}", app.backend);
                assert_eq!(org[field]["totalCount"].as_u64(), Some(want(ty).len() as u64));
            }
            let nested_reports: BTreeSet<String> = org["actions"]["nodes"]
                .as_array()
                .cloned()
                .unwrap_or_default()
                .iter()
                .flat_map(|a| ids(&a["experienceReports"]))
                .collect();
            assert_eq!(
                nested_reports,
                want("experienceReport"),
                "[{}] {role} nests reports",
                app.backend
            );
            // By id and through node(id:): hidden records are simply absent.
            for (ty, vis, id) in &w.records {
                let visible = expected(role).contains(vis);
                let body = app
                    .gql_as(
                        token,
                        &format!("query($id: ID!) {{ one: {ty}(id: $id) {{ id }} node(id: $id) {{ id }} }}"),
                        json!({ "id": id }),
                    )
                    .await;
                assert!(body.get("errors").is_none(), "[{}] {role}: {body}", app.backend);
                assert_eq!(
                    !body["data"]["one"].is_null(),
                    visible,
                    "[{}] {role} {ty} {vis} by id",
                    app.backend
                );
                assert_eq!(
                    !body["data"]["node"].is_null(),
                    visible,
                    "[{}] {role} {ty} {vis} node",
                    app.backend
                );
            }
        }
        let _ = &w.org_b;
        app.stop().await;
    }
}

#[tokio::test]
async fn write_rules_follow_the_role() {
    for app in apps(false).await {
        let w = world(&app).await;
        let public_event = w
            .records
            .iter()
            .find(|(t, v, _)| *t == "event" && *v == "PUBLIC")
            .map(|(_, _, id)| id.clone())
            .expect("an event");
        let hidden_event = w
            .records
            .iter()
            .find(|(t, v, _)| *t == "event" && *v == "ORGANISATION")
            .map(|(_, _, id)| id.clone())
            .expect("an event");
        let public_action = w
            .records
            .iter()
            .find(|(t, v, _)| *t == "action" && *v == "PUBLIC")
            .map(|(_, _, id)| id.clone())
            .expect("an action");
        for (role, token) in &w.roles {
            let token = token.as_deref();
            let (create, update, org_profile, report) = match *role {
                "anonymous" => (
                    "UNAUTHENTICATED",
                    "UNAUTHENTICATED",
                    "UNAUTHENTICATED",
                    "UNAUTHENTICATED",
                ),
                "member of owner" => ("FORBIDDEN", "FORBIDDEN", "FORBIDDEN", ""),
                "editor of owner" => ("", "", "", ""),
                "editor of another" => ("FORBIDDEN", "FORBIDDEN", "FORBIDDEN", ""),
                "admin" => ("", "", "", ""),
                "read key of owner" => ("FORBIDDEN", "FORBIDDEN", "FORBIDDEN", "FORBIDDEN"),
                _ => ("", "", "", ""),
            };
            let body = app
                .gql_as(
                    token,
                    "mutation($a: ID!) { createEvent(input: { title: \"New\", startsAt: \"2026-06-01T10:00:00Z\", organiserId: $a }) { event { id } } }",
                    json!({ "a": w.org_a }),
                )
                .await;
            assert_eq!(error_code(&body), create, "[{}] {role} creates: {body}", app.backend);
            let body = app
                .gql_as(
                    token,
                    "mutation($id: ID!) { updateEvent(id: $id, input: { title: \"Renamed\" }) { event { id } } }",
                    json!({ "id": public_event }),
                )
                .await;
            assert_eq!(error_code(&body), update, "[{}] {role} updates: {body}", app.backend);
            let body = app
                .gql_as(
                    token,
                    "mutation($id: ID!) { updateOrganisation(id: $id, input: { city: \"Arques\" }) { organisation { id } } }",
                    json!({ "id": w.org_a }),
                )
                .await;
            assert_eq!(
                error_code(&body),
                org_profile,
                "[{}] {role} edits the profile: {body}",
                app.backend
            );
            let body = app
                .gql_as(
                    token,
                    "mutation($a: ID!) { createExperienceReport(input: { actionId: $a, author: \"Moi\", text: \"Bien\", reportedOn: \"2026-02-02\" }) { experienceReport { id } } }",
                    json!({ "a": public_action }),
                )
                .await;
            assert_eq!(error_code(&body), report, "[{}] {role} reports: {body}", app.backend);
            // Only admins create organisations.
            let body = app
                .gql_as(
                    token,
                    "mutation { createOrganisation(input: { slug: \"x-org\", name: \"X\", kind: OTHER }) { organisation { id } } }",
                    json!({}),
                )
                .await;
            let want = match *role {
                "anonymous" => "UNAUTHENTICATED",
                "admin" => "",
                _ => "FORBIDDEN",
            };
            assert_eq!(
                error_code(&body),
                want,
                "[{}] {role} creates an organisation",
                app.backend
            );
            if *role == "admin" {
                app.gql(
                    "mutation { deleteOrganisation(id: \"00000000-0000-0000-0000-000000000000\") { deletedId } }",
                    json!({}),
                )
                .await;
            }
        }
        // A record the caller cannot see cannot be written either: it is absent.
        let editor_b = w
            .roles
            .iter()
            .find(|(r, _)| *r == "editor of another")
            .and_then(|(_, t)| t.clone());
        let body = app
            .gql_as(
                editor_b.as_deref(),
                "mutation($id: ID!) { deleteEvent(id: $id) { deletedId } }",
                json!({ "id": hidden_event }),
            )
            .await;
        assert_eq!(error_code(&body), "NOT_FOUND", "[{}] {body}", app.backend);
        // An editor cannot move its record to another organisation.
        let editor_a = w
            .roles
            .iter()
            .find(|(r, _)| *r == "editor of owner")
            .and_then(|(_, t)| t.clone());
        let body = app
            .gql_as(
                editor_a.as_deref(),
                "mutation($id: ID!, $b: ID!) { updateEvent(id: $id, input: { organiserId: $b }) { event { id } } }",
                json!({ "id": public_event, "b": w.org_b }),
            )
            .await;
        assert_eq!(error_code(&body), "FORBIDDEN", "[{}] {body}", app.backend);
        // Members change only their own reports.
        let member = w
            .roles
            .iter()
            .find(|(r, _)| *r == "member of owner")
            .and_then(|(_, t)| t.clone());
        let own = app
            .gql_as(
                member.as_deref(),
                "mutation($a: ID!) { createExperienceReport(input: { actionId: $a, author: \"Moi\", text: \"Bien\", reportedOn: \"2026-02-02\" }) { experienceReport { id } } }",
                json!({ "a": public_action }),
            )
            .await;
        let own_id = own["data"]["createExperienceReport"]["experienceReport"]["id"].clone();
        let body = app
            .gql_as(
                member.as_deref(),
                "mutation($id: ID!) { updateExperienceReport(id: $id, input: { rating: 4 }) { experienceReport { rating } } }",
                json!({ "id": own_id }),
            )
            .await;
        assert_eq!(
            body["data"]["updateExperienceReport"]["experienceReport"]["rating"], 4,
            "{body}"
        );
        let others = w
            .records
            .iter()
            .find(|(t, v, _)| *t == "experienceReport" && *v == "PUBLIC")
            .map(|(_, _, id)| id.clone());
        let body = app
            .gql_as(
                member.as_deref(),
                "mutation($id: ID!) { deleteExperienceReport(id: $id) { deletedId } }",
                json!({ "id": others }),
            )
            .await;
        assert_eq!(error_code(&body), "FORBIDDEN", "[{}] {body}", app.backend);
        app.stop().await;
    }
}
