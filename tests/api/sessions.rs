//! The sessions each instance keeps in memory on PostgreSQL (`auth::cache`): a signed-in
//! request reads its session once, and whatever ends or changes it, on any instance or in
//! the database directly, is obeyed everywhere at once; on SQLite every request reads it.

use std::net::SocketAddr;
use std::time::Duration;

use sea_orm::ConnectionTrait;
use serde_json::{Value, json};

use crate::common::{self, apps, error_code};

/// How long a notice may take to reach another instance, at most.
const WAIT: Duration = Duration::from_secs(10);

const ME: &str = "{ me { email } }";

/// Posts `query` with `variables` to the hub at `addr`, as `token` (none: anonymous).
async fn send(addr: SocketAddr, token: Option<&str>, query: &str, variables: Value) -> Value {
    let mut req = reqwest::Client::new()
        .post(format!("http://{addr}/graphql"))
        .json(&json!({ "query": query, "variables": variables }));
    if let Some(token) = token {
        req = req.bearer_auth(token);
    }
    req.send().await.expect("sent").json().await.expect("JSON")
}

/// Posts `query` to the hub at `addr`, as `token`.
async fn post(addr: SocketAddr, token: &str, query: &str) -> Value {
    send(addr, Some(token), query, json!({})).await
}

/// Whether `token` opens the hub at `addr` (its `me` is answered), failing on anything but
/// an answer or `UNAUTHENTICATED`.
async fn opens(addr: SocketAddr, token: &str) -> bool {
    let body = post(addr, token, ME).await;
    match error_code(&body) {
        "" => {
            assert!(body["data"]["me"]["email"].is_string(), "{body}");
            true
        }
        "UNAUTHENTICATED" => false,
        other => panic!("unexpected {other}: {body}"),
    }
}

/// Waits (with a deadline) until `token` no longer opens the hub at `addr`.
async fn refused_soon(addr: SocketAddr, token: &str, what: &str) {
    let deadline = tokio::time::Instant::now() + WAIT;
    while opens(addr, token).await {
        assert!(
            tokio::time::Instant::now() < deadline,
            "{what}: the session still opened {addr} after {WAIT:?}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[tokio::test]
async fn a_signed_in_request_reads_its_session_once_while_nothing_changes() {
    for app in apps(false).await {
        let query = "{ events(first: 1) { nodes { id } } }";
        let count = async |token: Option<&str>| {
            let before = app.statements();
            let body = app.gql_as(token, query, json!({})).await;
            assert!(body.get("errors").is_none(), "{body}");
            app.statements() - before
        };
        let anonymous = count(None).await;
        // A new account's session, not read yet.
        let token = app.account("counted@example.org", entity::Role::Admin, None).await;
        let token = Some(token.as_str());
        let first = count(token).await;
        assert_eq!(
            first,
            anonymous + 1,
            "[{}] the first request reads its session",
            app.backend
        );
        if app.backend == "postgres" {
            // The notices of the account's own creation may reach the cache after the first
            // request and make it read once more; once one request has cost no read, the
            // following ones cost none either.
            let mut settled = false;
            for _ in 0..20 {
                if count(token).await == anonymous {
                    settled = true;
                    break;
                }
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
            assert!(settled, "[postgres] every signed-in request read its session again");
            let next = [count(token).await, count(token).await];
            assert_eq!(
                next, [anonymous; 2],
                "[postgres] statements per signed-in request once kept"
            );
        } else {
            // In-process reads, and no one to tell this process of a change: every time.
            let next = [count(token).await, count(token).await];
            assert_eq!(
                next,
                [anonymous + 1; 2],
                "[{}] statements per signed-in request",
                app.backend
            );
        }
    }
}

/// Signs in `email` (an admin whose temporary password was changed) on `addr`.
async fn login(addr: SocketAddr, email: &str, password: &str) -> String {
    let body = send(
        addr,
        None,
        "mutation($e: String!, $p: String!) { login(email: $e, password: $p) { token } }",
        json!({ "e": email, "p": password }),
    )
    .await;
    body["data"]["login"]["token"]
        .as_str()
        .unwrap_or_else(|| panic!("signed in: {body}"))
        .to_string()
}

#[tokio::test]
async fn a_session_ended_anywhere_is_refused_on_every_instance() {
    let Some(pair) = common::PgPair::start(false, common::feed_settings(), 4).await else {
        return;
    };
    let (one, two) = (pair.one.addr, pair.two.addr);
    let (admin, name) = (&pair.admin, &pair.name);
    let email = "admin@example.org";
    let password = "a long passphrase for both instances";
    let (user, temporary) =
        passerelle::auth::accounts::create_user(&pair.one.db, email, None, None, entity::Role::Admin)
            .await
            .expect("an admin");
    let token = login(one, email, &temporary).await;
    let changed = post(
        one,
        &token,
        &format!("mutation {{ changePassword(currentPassword: \"{temporary}\", newPassword: \"{password}\") {{ user {{ email }} }} }}"),
    )
    .await;
    assert!(changed.get("errors").is_none(), "{changed}");
    let db = &pair.one.db;

    // Signed out on one: refused on one at once, and on two (which had it in memory) as soon
    // as the notice arrives.
    assert!(opens(one, &token).await && opens(two, &token).await);
    let out = post(one, &token, "mutation { logout { ok } }").await;
    assert_eq!(out["data"]["logout"]["ok"], true, "{out}");
    assert!(!opens(one, &token).await, "refused at once where it signed out");
    refused_soon(two, &token, "logout on the other instance").await;

    // Revoked by an operator's own SQL.
    let token = login(one, email, password).await;
    assert!(opens(one, &token).await && opens(two, &token).await);
    db.execute_unprepared("UPDATE sessions SET revoked_at = now() WHERE revoked_at IS NULL")
        .await
        .expect("revoked");
    refused_soon(one, &token, "revoked in SQL").await;
    refused_soon(two, &token, "revoked in SQL").await;

    // The account disabled in SQL, then enabled again: the session was left open by hand,
    // so it opens again once the account is.
    let token = login(one, email, password).await;
    assert!(opens(one, &token).await && opens(two, &token).await);
    db.execute_unprepared(&format!("UPDATE users SET disabled = true WHERE id = '{}'", user.id))
        .await
        .expect("disabled");
    refused_soon(one, &token, "disabled in SQL").await;
    refused_soon(two, &token, "disabled in SQL").await;
    db.execute_unprepared(&format!("UPDATE users SET disabled = false WHERE id = '{}'", user.id))
        .await
        .expect("enabled");
    assert!(opens(one, &token).await && opens(two, &token).await);

    // The role changed in SQL: what the session may do follows at once.
    let users_query = "{ users(first: 1) { nodes { email } } }";
    assert!(post(two, &token, users_query).await.get("errors").is_none());
    db.execute_unprepared(&format!("UPDATE users SET role = 'member' WHERE id = '{}'", user.id))
        .await
        .expect("demoted");
    let deadline = tokio::time::Instant::now() + WAIT;
    while error_code(&post(two, &token, users_query).await) != "FORBIDDEN" {
        assert!(tokio::time::Instant::now() < deadline, "the demotion was not seen");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    db.execute_unprepared(&format!("UPDATE users SET role = 'admin' WHERE id = '{}'", user.id))
        .await
        .expect("promoted back");

    // The listener of each instance loses its connection, and the session is revoked before
    // they listen again (its notice may be lost): once they listen again, it is refused at
    // once, without waiting for any notice.
    let token = login(one, email, password).await;
    assert!(opens(one, &token).await && opens(two, &token).await);
    let listeners = format!(
        "SELECT pid FROM pg_stat_activity WHERE datname = '{name}' AND query LIKE 'LISTEN%passerelle_credentials%'"
    );
    let pids = async || -> Vec<i32> {
        admin
            .query_all_raw(sea_orm::Statement::from_string(
                sea_orm::DatabaseBackend::Postgres,
                listeners.clone(),
            ))
            .await
            .expect("listeners")
            .iter()
            .filter_map(|r| r.try_get_by_index::<i32>(0).ok())
            .collect()
    };
    let before = pids().await;
    assert_eq!(before.len(), 2, "one credentials listener per instance: {before:?}");
    admin
        .execute_unprepared(&format!(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '{name}' \
             AND query LIKE 'LISTEN%passerelle_credentials%'"
        ))
        .await
        .expect("terminated");
    db.execute_unprepared("UPDATE sessions SET revoked_at = now() WHERE revoked_at IS NULL")
        .await
        .expect("revoked");
    let deadline = tokio::time::Instant::now() + WAIT;
    loop {
        let now = pids().await;
        if now.len() == 2 && now.iter().all(|p| !before.contains(p)) {
            break;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "the listeners did not come back: {now:?}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert!(!opens(one, &token).await, "refused on one once it listens again");
    assert!(!opens(two, &token).await, "refused on two once it listens again");

    // And the cache is used again once the listener is back (it is off, and every request
    // reads its session, until the new connection listens): a kept session reads nothing.
    let token = login(two, email, password).await;
    let typename = async || {
        let before = pair.two.statements.get();
        assert_eq!(post(two, &token, "{ __typename }").await["data"]["__typename"], "Query");
        pair.two.statements.get() - before
    };
    let deadline = tokio::time::Instant::now() + WAIT;
    while typename().await != 0 {
        assert!(
            tokio::time::Instant::now() < deadline,
            "the cache was not used again after the listener came back"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }

    pair.stop().await;
}
