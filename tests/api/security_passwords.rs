//! Findings of the security audit, kept fixed over HTTP on every backend: guessable passwords
//! refused by changePassword, organisation names unique whatever their case, accents or
//! spacing, bidirectional controls refused in names and titles, and search cursors that
//! cannot overflow.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use sea_orm::{ActiveModelTrait, Set, SqlErr};
use serde_json::{Value, json};

use crate::common::{apps, error_code, error_field, organisation};

/// The password `TestApp::account` gives its accounts.
const CURRENT: &str = "a long new passphrase";
const CHANGE: &str =
    "mutation($c: String!, $n: String!) { changePassword(currentPassword: $c, newPassword: $n) { user { email } } }";
const LOGIN: &str = "mutation($e: String!, $p: String!) { login(email: $e, password: $p) { token } }";

fn message(body: &Value) -> &str {
    body["errors"][0]["message"].as_str().unwrap_or("")
}

#[tokio::test]
async fn change_password_refuses_guessable_passwords_in_french_then_english() {
    for app in apps(false).await {
        let email = "camille.martin@example.org";
        let org = organisation(&app, "capital-filles", "Capital Filles", json!({})).await;
        let token = app.account(email, entity::Role::Member, Some(&org)).await;
        for weak in [
            "aaaaaaaaaaaa",
            "123456789012",
            "            ",
            "password1234",
            "azertyuiop12",
            email,
            "Camille.Martin@Example.org",
        ] {
            let body = app
                .gql_as(Some(&token), CHANGE, json!({ "c": CURRENT, "n": weak }))
                .await;
            assert_eq!(
                error_code(&body),
                "BAD_USER_INPUT",
                "[{}] {weak:?}: {body}",
                app.backend
            );
            assert_eq!(error_field(&body), "newPassword", "[{}] {body}", app.backend);
            let text = message(&body);
            assert!(
                text.starts_with("Mot de passe trop facile à deviner : "),
                "[{}] {weak:?}: {text}",
                app.backend
            );
            assert!(
                text.contains(" / Password too easy to guess: "),
                "[{}] {text}",
                app.backend
            );
        }
        // zxcvbn's feedback is passed on, translated.
        let body = app
            .gql_as(Some(&token), CHANGE, json!({ "c": CURRENT, "n": "aaaaaaaaaaaa" }))
            .await;
        assert!(message(&body).contains("répétitions"), "{body}");
        // The refused passwords changed nothing: the current one still signs in.
        let login = app.gql_as(None, LOGIN, json!({ "e": email, "p": CURRENT })).await;
        assert!(login["data"]["login"]["token"].is_string(), "[{}] {login}", app.backend);

        let strong = "tournesol kayak brioche quarante";
        let body = app
            .gql_as(Some(&token), CHANGE, json!({ "c": CURRENT, "n": strong }))
            .await;
        assert_eq!(
            body["data"]["changePassword"]["user"]["email"], email,
            "[{}] {body}",
            app.backend
        );
        let login = app.gql_as(None, LOGIN, json!({ "e": email, "p": strong })).await;
        assert!(login["data"]["login"]["token"].is_string(), "[{}] {login}", app.backend);
        app.stop().await;
    }
}

const CREATE_ORG: &str =
    "mutation($input: CreateOrganisationInput!) { createOrganisation(input: $input) { organisation { id name } } }";
const UPDATE_ORG: &str = "mutation($id: ID!, $input: UpdateOrganisationInput!) { updateOrganisation(id: $id, input: $input) { organisation { id name } } }";

#[tokio::test]
async fn duplicate_organisation_names_are_refused_on_create_whatever_case_accents_or_spacing() {
    for app in apps(false).await {
        organisation(&app, "ecole-centrale", "École Centrale", json!({})).await;
        for (slug, name) in [
            ("copie-1", "École Centrale"),
            ("copie-2", "ecole centrale"),
            ("copie-3", "ÉCOLE  CENTRALE"),
            ("copie-4", "  Ecole\u{a0}Centrale "),
            ("copie-5", "E\u{301}cole Centrale"),
        ] {
            let body = app
                .gql(
                    CREATE_ORG,
                    json!({ "input": { "slug": slug, "name": name, "kind": "SCHOOL" } }),
                )
                .await;
            assert_eq!(error_code(&body), "CONFLICT", "[{}] {name:?}: {body}", app.backend);
            let text = message(&body);
            assert!(
                text.starts_with("Une organisation porte déjà ce nom : « École Centrale » / "),
                "[{}] {text}",
                app.backend
            );
            assert!(text.contains("already exists"), "[{}] {text}", app.backend);
        }
        let count = app.data("{ organisations { totalCount } }", json!({})).await;
        assert_eq!(
            count["organisations"]["totalCount"], 1,
            "[{}] nothing written",
            app.backend
        );
        // The database itself refuses the duplicate, whatever writes it.
        let now = chrono::Utc::now();
        let direct = entity::organisation::ActiveModel {
            id: Set(uuid::Uuid::now_v7()),
            slug: Set("ecrite-directement".into()),
            name: Set("ECOLE CENTRALE".into()),
            name_key: Set(entity::organisation::name_key("ECOLE CENTRALE")),
            kind: Set(entity::OrganisationKind::School),
            created_at: Set(now),
            updated_at: Set(now),
            ..Default::default()
        }
        .insert(app.db())
        .await;
        assert!(
            matches!(
                direct.as_ref().map_err(|e| e.sql_err()),
                Err(Some(SqlErr::UniqueConstraintViolation(_)))
            ),
            "[{}] {direct:?}",
            app.backend
        );
        // A duplicate from before the unique key (the migration appended its id to its key)
        // can still be edited, and keeps its name until it is renamed to a free one.
        let legacy = uuid::Uuid::now_v7();
        entity::organisation::ActiveModel {
            id: Set(legacy),
            slug: Set("doublon-ancien".into()),
            name: Set("Ecole centrale".into()),
            name_key: Set(format!("ecole centrale #{legacy}")),
            kind: Set(entity::OrganisationKind::School),
            created_at: Set(now),
            updated_at: Set(now),
            ..Default::default()
        }
        .insert(app.db())
        .await
        .expect("a legacy duplicate");
        let legacy = legacy.to_string();
        let body = app
            .gql(
                UPDATE_ORG,
                json!({ "id": legacy, "input": { "description": "Doublon." } }),
            )
            .await;
        assert!(body.get("errors").is_none(), "[{}] {body}", app.backend);
        let body = app
            .gql(
                UPDATE_ORG,
                json!({ "id": legacy, "input": { "name": "ÉCOLE CENTRALE" } }),
            )
            .await;
        assert!(
            body.get("errors").is_none(),
            "[{}] same folded name: {body}",
            app.backend
        );
        let body = app
            .gql(
                UPDATE_ORG,
                json!({ "id": legacy, "input": { "name": "École Centrale Nantes" } }),
            )
            .await;
        assert!(body.get("errors").is_none(), "[{}] {body}", app.backend);
        let body = app
            .gql(
                UPDATE_ORG,
                json!({ "id": legacy, "input": { "name": "Ecole Centrale" } }),
            )
            .await;
        assert_eq!(error_code(&body), "CONFLICT", "[{}] {body}", app.backend);
        // A longer name is another organisation.
        organisation(&app, "ecole-centrale-lyon", "École Centrale de Lyon", json!({})).await;
        app.stop().await;
    }
}

#[tokio::test]
async fn duplicate_organisation_names_are_refused_on_rename_by_an_editor() {
    for app in apps(false).await {
        let theirs = organisation(&app, "ecole-centrale", "École Centrale", json!({})).await;
        let mine = organisation(&app, "elles-bougent", "Elles Bougent", json!({})).await;
        let editor = app
            .account("editrice@example.org", entity::Role::Editor, Some(&mine))
            .await;
        for name in ["École Centrale", "ecole centrale", "ÉCOLE  CENTRALE"] {
            let body = app
                .gql_as(
                    Some(&editor),
                    UPDATE_ORG,
                    json!({ "id": mine, "input": { "name": name } }),
                )
                .await;
            assert_eq!(error_code(&body), "CONFLICT", "[{}] {name:?}: {body}", app.backend);
            assert!(
                message(&body).starts_with("Une organisation porte déjà ce nom"),
                "{body}"
            );
        }
        // The administrator cannot either.
        let body = app
            .gql(UPDATE_ORG, json!({ "id": mine, "input": { "name": "Ecole centrale" } }))
            .await;
        assert_eq!(error_code(&body), "CONFLICT", "[{}] {body}", app.backend);
        // Nothing changed, and renaming an organisation to a variant of its own name is fine.
        let data = app
            .data(
                "query($id: ID!) { organisation(id: $id) { name } }",
                json!({ "id": mine }),
            )
            .await;
        assert_eq!(data["organisation"]["name"], "Elles Bougent");
        let body = app
            .gql_as(
                Some(&editor),
                UPDATE_ORG,
                json!({ "id": mine, "input": { "name": "ELLES bougent" } }),
            )
            .await;
        assert_eq!(
            body["data"]["updateOrganisation"]["organisation"]["name"], "ELLES bougent",
            "{body}"
        );
        let body = app
            .gql(
                UPDATE_ORG,
                json!({ "id": theirs, "input": { "description": "Une école d'ingénieurs." } }),
            )
            .await;
        assert!(body.get("errors").is_none(), "[{}] {body}", app.backend);
        // Once renamed, the old name is free again.
        app.data(
            UPDATE_ORG,
            json!({ "id": theirs, "input": { "name": "Centrale Lyon" } }),
        )
        .await;
        app.data(
            CREATE_ORG,
            json!({ "input": { "slug": "ecole-centrale-2", "name": "Ecole Centrale", "kind": "SCHOOL" } }),
        )
        .await;
        app.stop().await;
    }
}

#[tokio::test]
async fn bidi_controls_are_refused_in_organisation_names_and_event_titles() {
    for app in apps(false).await {
        for c in ['\u{202E}', '\u{2066}', '\u{200F}', '\u{061C}'] {
            let name = format!("Campus{c} des métiers");
            let body = app
                .gql(
                    CREATE_ORG,
                    json!({ "input": { "slug": "campus", "name": name, "kind": "ASSOCIATION" } }),
                )
                .await;
            assert_eq!(error_code(&body), "BAD_USER_INPUT", "[{}] {body}", app.backend);
            assert_eq!(error_field(&body), "name");
            assert!(message(&body).contains("bidirectional control characters"), "{body}");
        }
        let id = organisation(&app, "campus", "Campus des métiers", json!({})).await;
        let body = app
            .gql(
                UPDATE_ORG,
                json!({ "id": id, "input": { "name": "Campus \u{202E}sreitém sed" } }),
            )
            .await;
        assert_eq!(error_code(&body), "BAD_USER_INPUT", "[{}] {body}", app.backend);
        let body = app
            .gql(
                "mutation($input: CreateEventInput!) { createEvent(input: $input) { event { id } } }",
                json!({ "input": { "title": "Forum \u{202E}sreitém", "startsAt": "2026-01-01T10:00:00Z" } }),
            )
            .await;
        assert_eq!(error_code(&body), "BAD_USER_INPUT", "[{}] {body}", app.backend);
        assert_eq!(error_field(&body), "title");
        let count = app.data("{ organisations { totalCount } }", json!({})).await;
        assert_eq!(count["organisations"]["totalCount"], 1);
        app.stop().await;
    }
}

#[tokio::test]
async fn search_cursors_out_of_range_are_refused() {
    for app in apps(false).await {
        let query = "query($after: String) { search(query: \"forum\", after: $after) { edges { cursor } } }";
        for raw in [
            "search:18446744073709551615",
            "search:18446744073709551616",
            "search:1001",
        ] {
            let after = URL_SAFE_NO_PAD.encode(raw);
            let body = app.gql(query, json!({ "after": after })).await;
            assert_eq!(error_code(&body), "BAD_USER_INPUT", "[{}] {raw}: {body}", app.backend);
            assert_eq!(error_field(&body), "after", "[{}] {body}", app.backend);
        }
        let body = app
            .gql(query, json!({ "after": URL_SAFE_NO_PAD.encode("search:0") }))
            .await;
        assert!(body.get("errors").is_none(), "[{}] {body}", app.backend);
        app.stop().await;
    }
}
