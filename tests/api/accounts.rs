//! Temporary passwords, sessions, API keys, login throttling, the audit log, personal data
//! and the `user create` command, over HTTP.

use serde_json::{Value, json};

use crate::common::{self, apps, error_code, sqlite_app};

const LOGIN: &str = "mutation($e: String!, $p: String!) { login(email: $e, password: $p) { token mustChangePassword expiresAt user { email role } } }";

#[tokio::test]
async fn temporary_password_flow_and_sessions() {
    for app in apps(false).await {
        let org = common::organisation(&app, "capital-filles", "Capital Filles", json!({})).await;
        let created = app
            .data(
                "mutation($org: ID!) { createUser(input: { email: \"Lea@Example.org\", organisationId: $org, role: MEMBER }) {
                    temporaryPassword user { id email role mustChangePassword organisation { slug } } } }",
                json!({ "org": org }),
            )
            .await;
        let temporary = created["createUser"]["temporaryPassword"]
            .as_str()
            .expect("shown once")
            .to_string();
        let user = &created["createUser"]["user"];
        assert_eq!(user["email"], "lea@example.org");
        assert_eq!(user["mustChangePassword"], true);
        assert_eq!(user["organisation"]["slug"], "capital-filles");
        let user_id = user["id"].as_str().expect("id").to_string();

        let login = app
            .gql_as(None, LOGIN, json!({ "e": "lea@example.org", "p": temporary }))
            .await;
        assert_eq!(login["data"]["login"]["mustChangePassword"], true, "{login}");
        let token = login["data"]["login"]["token"].as_str().expect("a token").to_string();
        // Until the password is changed, the session can do nothing else.
        let body = app.gql_as(Some(&token), "{ events { totalCount } }", json!({})).await;
        assert_eq!(error_code(&body), "PASSWORD_CHANGE_REQUIRED", "{body}");
        let body = app
            .gql_as(Some(&token), "{ me { email mustChangePassword } }", json!({}))
            .await;
        assert_eq!(body["data"]["me"]["mustChangePassword"], true);
        let change = "mutation($c: String!, $n: String!) { changePassword(currentPassword: $c, newPassword: $n) { user { mustChangePassword } } }";
        for (current, new, field) in [
            ("wrong password!", "a long new passphrase", "currentPassword"),
            (temporary.as_str(), "short", "newPassword"),
            (temporary.as_str(), "lea@example.org", "newPassword"),
        ] {
            let body = app
                .gql_as(Some(&token), change, json!({ "c": current, "n": new }))
                .await;
            assert_eq!(error_code(&body), "BAD_USER_INPUT", "{body}");
            assert_eq!(body["errors"][0]["extensions"]["field"], field);
        }
        let body = app
            .gql_as(
                Some(&token),
                change,
                json!({ "c": temporary, "n": "a long new passphrase" }),
            )
            .await;
        assert_eq!(
            body["data"]["changePassword"]["user"]["mustChangePassword"], false,
            "{body}"
        );
        let body = app.gql_as(Some(&token), "{ events { totalCount } }", json!({})).await;
        assert!(body.get("errors").is_none(), "{body}");
        // The temporary password no longer works.
        let body = app
            .gql_as(None, LOGIN, json!({ "e": "lea@example.org", "p": temporary }))
            .await;
        assert_eq!(error_code(&body), "UNAUTHENTICATED");

        // Logout revokes the session: the token is refused with 401.
        app.gql_as(Some(&token), "mutation { logout { ok } }", json!({})).await;
        let resp = app
            .client
            .post(&app.url)
            .bearer_auth(&token)
            .json(&json!({ "query": "{ me { email } }" }))
            .send()
            .await
            .expect("sent");
        assert_eq!(resp.status(), 401);
        let body: Value = resp.json().await.expect("json");
        assert_eq!(error_code(&body), "UNAUTHENTICATED");
        // A garbage token is refused too, never treated as anonymous.
        let body = app.gql_as(Some("pss_nonsense"), "{ me { email } }", json!({})).await;
        assert_eq!(error_code(&body), "UNAUTHENTICATED");

        // An expired session is refused.
        let login = app
            .gql_as(
                None,
                LOGIN,
                json!({ "e": "lea@example.org", "p": "a long new passphrase" }),
            )
            .await;
        let token = login["data"]["login"]["token"].as_str().expect("a token").to_string();
        {
            use entity::session::{Column, Entity};
            use sea_orm::sea_query::Expr;
            use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
            let user = uuid::Uuid::parse_str(&user_id).expect("a uuid");
            Entity::update_many()
                .col_expr(Column::ExpiresAt, Expr::col(Column::CreatedAt))
                .filter(Column::UserId.eq(user))
                .exec(app.db())
                .await
                .expect("her sessions expired");
        }
        let body = app.gql_as(Some(&token), "{ me { email } }", json!({})).await;
        assert_eq!(error_code(&body), "UNAUTHENTICATED");

        // Admins reset a password (a new temporary one) and disable an account.
        let login = app
            .gql_as(
                None,
                LOGIN,
                json!({ "e": "lea@example.org", "p": "a long new passphrase" }),
            )
            .await;
        let token = login["data"]["login"]["token"].as_str().expect("a token").to_string();
        let reset = app
            .data(
                "mutation($id: ID!) { resetPassword(userId: $id) { temporaryPassword user { mustChangePassword } } }",
                json!({ "id": user_id }),
            )
            .await;
        assert_eq!(reset["resetPassword"]["user"]["mustChangePassword"], true);
        let body = app.gql_as(Some(&token), "{ me { email } }", json!({})).await;
        assert_eq!(error_code(&body), "UNAUTHENTICATED", "reset signs the account out");
        let temporary = reset["resetPassword"]["temporaryPassword"]
            .as_str()
            .expect("shown")
            .to_string();
        app.data(
            "mutation($id: ID!) { disableUser(userId: $id) { user { disabled } } }",
            json!({ "id": user_id }),
        )
        .await;
        let body = app
            .gql_as(None, LOGIN, json!({ "e": "lea@example.org", "p": temporary }))
            .await;
        assert_eq!(error_code(&body), "UNAUTHENTICATED");
        assert_eq!(body["errors"][0]["message"], "wrong e-mail or password");
        app.stop().await;
    }
}

#[tokio::test]
async fn login_is_throttled_and_does_not_tell_accounts_apart() {
    let app = sqlite_app(false).await;
    app.account("camille@example.org", entity::Role::Admin, None).await;
    let unknown = app
        .gql_as(None, LOGIN, json!({ "e": "nobody@example.org", "p": "whatever it is" }))
        .await;
    let wrong = app
        .gql_as(
            None,
            LOGIN,
            json!({ "e": "camille@example.org", "p": "whatever it is" }),
        )
        .await;
    assert_eq!(unknown["errors"][0]["message"], wrong["errors"][0]["message"]);
    assert_eq!(error_code(&unknown), error_code(&wrong));
    for _ in 0..5 {
        app.gql_as(None, LOGIN, json!({ "e": "camille@example.org", "p": "still wrong" }))
            .await;
    }
    // Now even the right password waits.
    let body = app
        .gql_as(
            None,
            LOGIN,
            json!({ "e": "camille@example.org", "p": "a long new passphrase" }),
        )
        .await;
    assert_eq!(error_code(&body), "RATE_LIMITED", "{body}");
    // Another account is not affected.
    let body = app
        .gql_as(
            None,
            LOGIN,
            json!({ "e": "admin@example.org", "p": "a long new passphrase" }),
        )
        .await;
    assert!(body["data"]["login"]["token"].is_string(), "{body}");
    app.stop().await;
}

#[tokio::test]
async fn api_keys_audit_log_and_personal_data() {
    for app in apps(false).await {
        let org = common::organisation(&app, "elles-bougent", "Elles Bougent", json!({})).await;
        let editor = app
            .account("editor@example.org", entity::Role::Editor, Some(&org))
            .await;
        let created = app
            .gql_as(
                Some(&editor),
                "mutation($org: ID!) { createApiKey(input: { organisationId: $org, name: \"Site web\", scope: READ_WRITE }) { secret apiKey { id name scope lastUsedAt } } }",
                json!({ "org": org }),
            )
            .await;
        let secret = created["data"]["createApiKey"]["secret"]
            .as_str()
            .expect("a secret")
            .to_string();
        let key_id = created["data"]["createApiKey"]["apiKey"]["id"].clone();
        assert!(created["data"]["createApiKey"]["apiKey"]["lastUsedAt"].is_null());
        // The key acts as an editor of its organisation.
        let body = app
            .gql_as(
                Some(&secret),
                "mutation { createResource(input: { kind: POSTER, title: \"Affiche\" }) { resource { id organisation { slug } } } }",
                json!({}),
            )
            .await;
        assert_eq!(
            body["data"]["createResource"]["resource"]["organisation"]["slug"], "elles-bougent",
            "{body}"
        );
        let keys = app
            .gql_as(
                Some(&editor),
                "query($org: ID!) { apiKeys(organisationId: $org) { id lastUsedAt } }",
                json!({ "org": org }),
            )
            .await;
        assert!(keys["data"]["apiKeys"][0]["lastUsedAt"].is_string(), "{keys}");
        let schema = passerelle::graphql::sdl();
        assert!(
            !schema.contains("secretHash") && !schema.contains("passwordHash"),
            "hashes never leave the hub"
        );
        app.gql_as(
            Some(&editor),
            "mutation($id: ID!) { revokeApiKey(id: $id) { apiKey { revokedAt } } }",
            json!({ "id": key_id }),
        )
        .await;
        let body = app.gql_as(Some(&secret), "{ me { email } }", json!({})).await;
        assert_eq!(error_code(&body), "UNAUTHENTICATED");

        // A contact to erase, then the audit log.
        let contact = app
            .data(
                "mutation($org: ID!) { createContact(input: { firstName: \"Noé\", lastName: \"Petit\", email: \"noe@example.org\", organisationId: $org }) { contact { id } } }",
                json!({ "org": org }),
            )
            .await;
        let contact_id = contact["createContact"]["contact"]["id"].clone();
        let data = app
            .data(
                "{ personalData(email: \"NOE@example.org\") { contacts { id } users { id } } }",
                json!({}),
            )
            .await;
        assert_eq!(data["personalData"]["contacts"][0]["id"], contact_id);
        app.data(
            "mutation($id: ID!) { deleteContact(id: $id) { deletedId } }",
            json!({ "id": contact_id }),
        )
        .await;
        let data = app
            .data(
                "{ personalData(email: \"noe@example.org\") { contacts { id } } }",
                json!({}),
            )
            .await;
        assert_eq!(data["personalData"]["contacts"], json!([]), "erased for good");

        let log = app
            .data(
                "{ auditLog(first: 100) { totalCount nodes { actorKind actorLabel entityType entityId operation changedFields } } }",
                json!({}),
            )
            .await;
        let entries = log["auditLog"]["nodes"].as_array().cloned().unwrap_or_default();
        let find = |entity: &str, op: &str| {
            entries
                .iter()
                .find(|e| e["entityType"] == entity && e["operation"] == op)
                .cloned()
        };
        let resource = find("Resource", "create").expect("the key's resource is logged");
        assert_eq!(resource["actorKind"], "api_key");
        assert_eq!(resource["changedFields"], json!(["kind", "title"]));
        let erased = find("Contact", "delete").expect("the erasure is logged");
        assert_eq!(erased["actorLabel"], "admin@example.org");
        assert_eq!(erased["entityId"], contact_id);
        assert!(find("ApiKey", "revoke").is_some());
        let login = find("User", "login").expect("sign-ins are logged");
        assert_eq!(login["actorLabel"], "editor@example.org");
        let body = app
            .gql_as(Some(&editor), "{ auditLog { totalCount } }", json!({}))
            .await;
        assert_eq!(error_code(&body), "FORBIDDEN");
        let data = app
            .data(
                "{ auditLog(filter: { entityType: \"Contact\", operation: \"delete\" }) { totalCount } }",
                json!({}),
            )
            .await;
        assert_eq!(data["auditLog"]["totalCount"], 1);
        app.stop().await;
    }
}

#[tokio::test]
async fn the_command_line_bootstraps_the_first_admin() {
    let dir = std::env::temp_dir().join(format!("passerelle-cli-{}", uuid::Uuid::new_v4()));
    let run = |args: &[&str]| {
        std::process::Command::new(env!("CARGO_BIN_EXE_passerelle"))
            .args(args)
            .env("PASSERELLE_DATA_DIR", &dir)
            .env_remove("PASSERELLE_DATABASE_URL")
            .env("RUST_LOG", "warn")
            .output()
            .expect("the command runs")
    };
    // The database is made by `migrate` (or `serve`); `user create` works on an existing one.
    let out = run(&["migrate"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let out = run(&[
        "user",
        "create",
        "--email",
        "first@example.org",
        "--role",
        "ADMIN",
        "--json",
    ]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let created: Value = serde_json::from_slice(&out.stdout).expect("one JSON object");
    assert_eq!(created["email"], "first@example.org");
    let temporary = created["temporaryPassword"].as_str().expect("a password").to_string();
    // Unknown organisations are refused with a clear message.
    let out = run(&[
        "user",
        "create",
        "--email",
        "x@example.org",
        "--role",
        "member",
        "--organisation",
        "nope",
    ]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("no organisation has the slug"));

    let config = common::sqlite_config(&dir);
    let running = passerelle::startup::start(&config, false).await.expect("starts");
    let body: Value = reqwest::Client::new()
        .post(format!("http://{}/graphql", running.addr))
        .json(&json!({ "query": LOGIN, "variables": { "e": "first@example.org", "p": temporary } }))
        .send()
        .await
        .expect("sent")
        .json()
        .await
        .expect("json");
    assert_eq!(body["data"]["login"]["user"]["role"], "ADMIN", "{body}");
    assert_eq!(body["data"]["login"]["mustChangePassword"], true);
    running.stop().await.expect("stops");
    let _ = std::fs::remove_dir_all(dir);
}
