//! Subscriptions over a real WebSocket (`graphql-transport-ws`), on SQLite and PostgreSQL.
//!
//! No test sleeps: a subscriber sends `ping` after `subscribe` and waits for its `pong` (the
//! server reads the next message only once the subscription listens), and "not delivered" is
//! checked by making a visible change after the hidden one: the bus keeps the order, so the
//! first message must be the visible change.

use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use serde_json::{Value, json};
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;

use crate::common::feed_server::{FeedServer, Reply};
use crate::common::{self, TestApp};

const WAIT: Duration = Duration::from_secs(10);

const EVENT_CHANGED: &str =
    "subscription($f: EventFilter) { eventChanged(filter: $f) { kind eventId event { title status visibility } } }";

type Socket = tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

/// What the server sent.
#[derive(Debug)]
enum Frame {
    Json(Value),
    Closed(u16, String),
}

pub(crate) struct Client {
    socket: Socket,
}

impl Client {
    /// Opens a WebSocket on `path` of `app`, with an `Authorization` header when given.
    async fn open(base: &str, path: &str, authorization: Option<&str>) -> Client {
        let url = format!("{}{path}", base.replacen("http://", "ws://", 1));
        let mut request = url.into_client_request().expect("a request");
        request.headers_mut().insert(
            "sec-websocket-protocol",
            "graphql-transport-ws".parse().expect("a header"),
        );
        if let Some(value) = authorization {
            request
                .headers_mut()
                .insert("authorization", value.parse().expect("a header"));
        }
        let (socket, response) = tokio_tungstenite::connect_async(request).await.expect("the upgrade");
        assert_eq!(
            response
                .headers()
                .get("sec-websocket-protocol")
                .and_then(|v| v.to_str().ok()),
            Some("graphql-transport-ws")
        );
        Client { socket }
    }

    /// Opens a connection on `/graphql` and initialises it with `payload`, expecting the ack.
    pub(crate) async fn connect(app: &TestApp, payload: Value) -> Client {
        let mut client = Client::open(&app.base, "/graphql", None).await;
        client.init(payload).await;
        client
    }

    async fn send(&mut self, message: Value) {
        self.socket
            .send(Message::text(message.to_string()))
            .await
            .expect("sent");
    }

    /// The next frame, within `WAIT`.
    async fn frame(&mut self) -> Frame {
        loop {
            let message = tokio::time::timeout(WAIT, self.socket.next())
                .await
                .expect("a message before the timeout");
            match message {
                Some(Ok(Message::Text(text))) => {
                    return Frame::Json(serde_json::from_str(text.as_str()).expect("JSON"));
                }
                Some(Ok(Message::Close(Some(frame)))) => {
                    return Frame::Closed(frame.code.into(), frame.reason.to_string());
                }
                Some(Ok(Message::Close(None))) | None => return Frame::Closed(1005, String::new()),
                Some(Ok(_)) => continue,
                Some(Err(e)) => panic!("the connection failed: {e}"),
            }
        }
    }

    async fn json(&mut self) -> Value {
        match self.frame().await {
            Frame::Json(v) => v,
            other => panic!("expected a message, got {other:?}"),
        }
    }

    async fn init(&mut self, payload: Value) {
        self.send(json!({ "type": "connection_init", "payload": payload }))
            .await;
        let ack = self.json().await;
        assert_eq!(ack["type"], "connection_ack", "{ack}");
    }

    /// Subscribes, and returns once the subscription listens.
    pub(crate) async fn subscribe(&mut self, id: &str, query: &str, variables: Value) {
        self.send(json!({ "id": id, "type": "subscribe", "payload": { "query": query, "variables": variables } }))
            .await;
        self.send(json!({ "type": "ping" })).await;
        let pong = self.json().await;
        assert_eq!(pong["type"], "pong", "{pong}");
    }

    /// The payload of the next `next` message, which must belong to `id`.
    pub(crate) async fn next(&mut self, id: &str) -> Value {
        let message = self.json().await;
        assert_eq!(message["type"], "next", "{message}");
        assert_eq!(message["id"], id, "{message}");
        message["payload"].clone()
    }

    /// The `eventChanged` of the next message, without errors.
    async fn event_change(&mut self, id: &str) -> Value {
        let payload = self.next(id).await;
        assert!(payload.get("errors").is_none(), "{payload}");
        payload["data"]["eventChanged"].clone()
    }

    /// The payloads of the next `n` `next` messages, by operation id (operations run side by
    /// side: their messages interleave in no set order).
    async fn nexts(&mut self, n: usize) -> std::collections::HashMap<String, Vec<Value>> {
        let mut by_id = std::collections::HashMap::<String, Vec<Value>>::new();
        for _ in 0..n {
            let message = self.json().await;
            assert_eq!(message["type"], "next", "{message}");
            let id = message["id"].as_str().unwrap_or_default().to_string();
            by_id.entry(id).or_default().push(message["payload"].clone());
        }
        by_id
    }

    async fn closed(&mut self) -> (u16, String) {
        match self.frame().await {
            Frame::Closed(code, reason) => (code, reason),
            other => panic!("expected the connection to close, got {other:?}"),
        }
    }
}

fn bearer(token: &str) -> String {
    format!("Bearer {token}")
}

async fn create_event(app: &TestApp, token: Option<&str>, input: Value) -> String {
    let body = app
        .gql_as(
            token.or(Some(&app.admin_token)),
            "mutation($input: CreateEventInput!) { createEvent(input: $input) { event { id } } }",
            json!({ "input": input }),
        )
        .await;
    assert!(body.get("errors").is_none(), "{body}");
    body["data"]["createEvent"]["event"]["id"]
        .as_str()
        .expect("an id")
        .to_string()
}

fn event(title: &str, extra: Value) -> Value {
    let mut input = json!({ "title": title, "startsAt": "2027-03-01T09:00:00Z" });
    if let (Some(input), Some(extra)) = (input.as_object_mut(), extra.as_object()) {
        for (k, v) in extra {
            input.insert(k.clone(), v.clone());
        }
    }
    input
}

#[tokio::test]
async fn a_subscriber_hears_of_events_created_updated_cancelled_and_deleted() {
    for app in common::apps(false).await {
        let mut sub = Client::connect(&app, json!({})).await;
        sub.subscribe("e", EVENT_CHANGED, json!({})).await;

        let id = create_event(
            &app,
            None,
            event("Forum des métiers", json!({ "visibility": "PUBLIC" })),
        )
        .await;
        let change = sub.event_change("e").await;
        assert_eq!(change["kind"], "CREATED", "[{}] {change}", app.backend);
        assert_eq!(change["eventId"], id.as_str());
        assert_eq!(change["event"]["title"], "Forum des métiers");

        app.data(
            "mutation($id: ID!) { updateEvent(id: $id, input: { title: \"Forum des métiers 2027\" }) { event { id } } }",
            json!({ "id": id }),
        )
        .await;
        let change = sub.event_change("e").await;
        assert_eq!(change["kind"], "UPDATED", "[{}] {change}", app.backend);
        assert_eq!(change["event"]["title"], "Forum des métiers 2027");

        app.data(
            "mutation($id: ID!) { updateEvent(id: $id, input: { status: CANCELLED }) { event { id } } }",
            json!({ "id": id }),
        )
        .await;
        let change = sub.event_change("e").await;
        assert_eq!(change["kind"], "CANCELLED", "[{}] {change}", app.backend);
        assert_eq!(change["event"]["status"], "CANCELLED");

        app.data(
            "mutation($id: ID!) { deleteEvent(id: $id) { deletedId } }",
            json!({ "id": id }),
        )
        .await;
        let change = sub.event_change("e").await;
        assert_eq!(change["kind"], "REMOVED", "[{}] {change}", app.backend);
        assert_eq!(change["eventId"], id.as_str());
        assert_eq!(change["event"], Value::Null);

        // A rolled-back write announces nothing: the next message is the next real change.
        let refused = app
            .gql(
                "mutation { createEvent(input: { title: \"x\", startsAt: \"2027-03-01T09:00:00Z\", endsAt: \"2026-01-01T00:00:00Z\" }) { event { id } } }",
                json!({}),
            )
            .await;
        assert_eq!(common::error_code(&refused), "BAD_USER_INPUT", "{refused}");
        create_event(&app, None, event("Après", json!({}))).await;
        assert_eq!(sub.event_change("e").await["event"]["title"], "Après");

        // `complete` from the client ends the subscription; the connection stays usable.
        sub.send(json!({ "id": "e", "type": "complete" })).await;
        sub.subscribe("e", EVENT_CHANGED, json!({})).await;
        create_event(&app, None, event("Encore", json!({}))).await;
        assert_eq!(sub.event_change("e").await["event"]["title"], "Encore");
        app.stop().await;
    }
}

#[tokio::test]
async fn the_filter_of_events_applies_to_changes() {
    for app in common::apps(false).await {
        let mut sub = Client::connect(&app, json!({})).await;
        sub.subscribe(
            "bfc",
            EVENT_CHANGED,
            json!({ "f": { "region": "BOURGOGNE_FRANCHE_COMTE" } }),
        )
        .await;
        let elsewhere = create_event(
            &app,
            None,
            event(
                "À Rennes",
                json!({ "location": { "city": "Rennes", "region": "BRETAGNE" } }),
            ),
        )
        .await;
        let here = create_event(
            &app,
            None,
            event(
                "À Besançon",
                json!({ "location": { "city": "Besançon", "region": "BOURGOGNE_FRANCHE_COMTE" } }),
            ),
        )
        .await;
        let change = sub.event_change("bfc").await;
        assert_eq!(change["eventId"], here.as_str(), "[{}] {change}", app.backend);

        // Deleted events are matched on what they were.
        for id in [&elsewhere, &here] {
            app.data(
                "mutation($id: ID!) { deleteEvent(id: $id) { deletedId } }",
                json!({ "id": id }),
            )
            .await;
        }
        let change = sub.event_change("bfc").await;
        assert_eq!(change["kind"], "REMOVED");
        assert_eq!(change["eventId"], here.as_str(), "[{}] {change}", app.backend);
        app.stop().await;
    }
}

#[tokio::test]
async fn a_subscriber_sees_only_what_it_may_read() {
    for app in common::apps(false).await {
        let org = common::organisation(&app, "elles-bougent", "Elles Bougent", json!({})).await;
        let member = app
            .account("membre@example.org", entity::Role::Member, Some(&org))
            .await;
        let mut anonymous = Client::connect(&app, json!({})).await;
        anonymous.subscribe("a", EVENT_CHANGED, json!({})).await;
        // Credentials in `authorization`, as graphql-ws clients send them.
        let mut signed_in = Client::connect(&app, json!({ "authorization": bearer(&member) })).await;
        signed_in.subscribe("m", EVENT_CHANGED, json!({})).await;

        let partners = create_event(&app, None, event("Réservé", json!({ "visibility": "PARTNERS" }))).await;
        let public = create_event(&app, None, event("Ouvert", json!({ "visibility": "PUBLIC" }))).await;
        let change = signed_in.event_change("m").await;
        assert_eq!(change["eventId"], partners.as_str(), "[{}] {change}", app.backend);
        assert_eq!(signed_in.event_change("m").await["eventId"], public.as_str());
        let change = anonymous.event_change("a").await;
        assert_eq!(change["eventId"], public.as_str(), "[{}] {change}", app.backend);

        // Another organisation's ORGANISATION event stays hidden from the member; a change
        // that makes an event visible is heard from then on.
        let other = common::organisation(&app, "capital-filles", "Capital Filles", json!({})).await;
        let hidden = create_event(
            &app,
            None,
            event("Interne", json!({ "visibility": "ORGANISATION", "organiserId": other })),
        )
        .await;
        // Each change is read back when it is delivered: wait until the creation was
        // (and not told) before the update makes the event visible.
        let marker = create_event(&app, None, event("Repère", json!({}))).await;
        assert_eq!(signed_in.event_change("m").await["eventId"], marker.as_str());
        assert_eq!(anonymous.event_change("a").await["eventId"], marker.as_str());
        app.data(
            "mutation($id: ID!) { updateEvent(id: $id, input: { visibility: PUBLIC }) { event { id } } }",
            json!({ "id": hidden }),
        )
        .await;
        let change = signed_in.event_change("m").await;
        assert_eq!(change["kind"], "UPDATED");
        assert_eq!(change["eventId"], hidden.as_str(), "[{}] {change}", app.backend);
        assert_eq!(anonymous.event_change("a").await["eventId"], hidden.as_str());

        // The deletion of a hidden event is not told either.
        app.data(
            "mutation($id: ID!) { deleteEvent(id: $id) { deletedId } }",
            json!({ "id": partners }),
        )
        .await;
        app.data(
            "mutation($id: ID!) { deleteEvent(id: $id) { deletedId } }",
            json!({ "id": public }),
        )
        .await;
        assert_eq!(signed_in.event_change("m").await["eventId"], partners.as_str());
        assert_eq!(signed_in.event_change("m").await["eventId"], public.as_str());
        let change = anonymous.event_change("a").await;
        assert_eq!(change["eventId"], public.as_str(), "[{}] {change}", app.backend);
        app.stop().await;
    }
}

#[tokio::test]
async fn bad_expired_or_revoked_credentials_close_the_socket_with_4403() {
    for app in common::apps(false).await {
        let bad = "Bearer pss_00000000000000000000000000000000_nope";
        for payload in [
            json!({ "authorization": bad }),
            json!({ "token": "pss_nope" }),
            json!({ "authorization": 42 }),
        ] {
            let mut client = Client::open(&app.base, "/graphql", None).await;
            client
                .send(json!({ "type": "connection_init", "payload": payload }))
                .await;
            assert_eq!(client.closed().await.0, 4403, "[{}] {payload}", app.backend);
        }
        // In the upgrade request's headers.
        let mut client = Client::open(&app.base, "/graphql/ws", Some(bad)).await;
        client.send(json!({ "type": "connection_init" })).await;
        assert_eq!(client.closed().await.0, 4403);

        // A session that logged out.
        let token = app.account("parti@example.org", entity::Role::Admin, None).await;
        let out = app.gql_as(Some(&token), "mutation { logout { ok } }", json!({})).await;
        assert!(out.get("errors").is_none(), "{out}");
        let mut client = Client::open(&app.base, "/graphql", None).await;
        client
            .send(json!({ "type": "connection_init", "payload": { "token": token } }))
            .await;
        assert_eq!(client.closed().await.0, 4403, "[{}]", app.backend);

        // A good token in the headers is accepted; none at all is anonymous.
        let mut client = Client::open(&app.base, "/graphql/ws", Some(&bearer(&app.admin_token))).await;
        client.init(json!(null)).await;
        let mut client = Client::open(&app.base, "/graphql/ws", None).await;
        client.init(json!(null)).await;

        // Subscribing before the ack is refused with 4401.
        let mut client = Client::open(&app.base, "/graphql", None).await;
        client
            .send(json!({ "id": "1", "type": "subscribe", "payload": { "query": EVENT_CHANGED } }))
            .await;
        assert_eq!(client.closed().await.0, 4401);
        app.stop().await;
    }
}

#[tokio::test]
async fn a_session_with_a_temporary_password_cannot_subscribe() {
    for app in common::apps(false).await {
        let (_, temporary) =
            passerelle::auth::accounts::create_user(app.db(), "nouvelle@example.org", None, None, entity::Role::Admin)
                .await
                .expect("an account");
        let login = app
            .gql_as(
                None,
                "mutation($p: String!) { login(email: \"nouvelle@example.org\", password: $p) { token } }",
                json!({ "p": temporary }),
            )
            .await;
        let token = login["data"]["login"]["token"].as_str().expect("a token");
        let mut client = Client::connect(&app, json!({ "authorization": bearer(token) })).await;
        client
            .send(json!({ "id": "s", "type": "subscribe", "payload": { "query": EVENT_CHANGED } }))
            .await;
        let refused = client.json().await;
        assert_eq!(refused["type"], "error", "{refused}");
        assert_eq!(refused["id"], "s");
        assert_eq!(
            refused["payload"][0]["extensions"]["code"], "PASSWORD_CHANGE_REQUIRED",
            "[{}] {refused}",
            app.backend
        );
        // Invalid operations are answered with `error` too.
        client
            .send(json!({ "id": "v", "type": "subscribe", "payload": { "query": "subscription { nope }" } }))
            .await;
        let refused = client.json().await;
        assert_eq!(refused["type"], "error", "{refused}");
        app.stop().await;
    }
}

#[tokio::test]
async fn feed_syncs_announce_their_run_and_their_events() {
    let server = FeedServer::start().await;
    let ics = "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nBEGIN:VEVENT\r\nUID:s-1\r\nDTSTART:20270301T090000Z\r\n\
               SUMMARY:Portes ouvertes\r\nEND:VEVENT\r\nBEGIN:VEVENT\r\nUID:s-2\r\nDTSTART:20270302T090000Z\r\n\
               SUMMARY:Atelier\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n";
    server.set("/agenda.ics", Reply::file("text/calendar", ics));
    for app in common::apps(false).await {
        let org = common::organisation(&app, "cmq-industrie", "CMQ Industrie", json!({})).await;
        let feed = common::feed(&app, &org, &server.url("/agenda.ics"), json!({ "format": "ICAL" })).await;
        let mut admin = Client::connect(&app, json!({ "token": app.admin_token })).await;
        admin
            .subscribe(
                "runs",
                "subscription($id: ID!) { feedRunFinished(feedId: $id) { feedId outcome created updated removed } }",
                json!({ "id": feed }),
            )
            .await;
        admin.subscribe("events", EVENT_CHANGED, json!({})).await;

        let (run, _) = common::sync(&app, &feed).await;
        assert_eq!(run["outcome"], "SUCCESS", "{run}");
        // Both subscriptions hear: the two events created, and the run.
        let heard = admin.nexts(3).await;
        let mut titles: Vec<_> = heard["events"]
            .iter()
            .map(|p| {
                let change = &p["data"]["eventChanged"];
                assert_eq!(change["kind"], "CREATED", "[{}] {change}", app.backend);
                change["event"]["title"].as_str().unwrap_or_default().to_string()
            })
            .collect();
        titles.sort();
        assert_eq!(titles, ["Atelier", "Portes ouvertes"]);
        let run = &heard["runs"][0]["data"]["feedRunFinished"];
        assert_eq!(run["feedId"], feed.as_str(), "[{}] {heard:?}", app.backend);
        assert_eq!(run["outcome"], "SUCCESS");
        assert_eq!(run["created"], 2);

        // An event that leaves the feed is REMOVED (marked REMOVED_UPSTREAM, still readable).
        let shorter = "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nBEGIN:VEVENT\r\nUID:s-1\r\nDTSTART:20270301T090000Z\r\n\
                       SUMMARY:Portes ouvertes\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n";
        server.set("/agenda.ics", Reply::file("text/calendar", shorter));
        common::sync(&app, &feed).await;
        let heard = admin.nexts(2).await;
        let change = &heard["events"][0]["data"]["eventChanged"];
        assert_eq!(change["kind"], "REMOVED", "[{}] {change}", app.backend);
        assert_eq!(change["event"]["title"], "Atelier");
        assert_eq!(change["event"]["status"], "REMOVED_UPSTREAM");
        assert_eq!(heard["runs"][0]["data"]["feedRunFinished"]["removed"], 1);
        server.set("/agenda.ics", Reply::file("text/calendar", ics));

        // Feeds are their organisation's business: others cannot follow their runs.
        let mut anonymous = Client::connect(&app, json!({})).await;
        anonymous
            .send(json!({ "id": "runs", "type": "subscribe", "payload": {
                "query": "subscription($id: ID!) { feedRunFinished(feedId: $id) { outcome } }",
                "variables": { "id": feed },
            } }))
            .await;
        let payload = anonymous.next("runs").await;
        assert_eq!(
            payload["errors"][0]["extensions"]["code"], "NOT_FOUND",
            "[{}] {payload}",
            app.backend
        );
        let done = anonymous.json().await;
        assert_eq!(done["type"], "complete", "{done}");

        // Deleting the feed with its events announces them as removed.
        app.data(
            "mutation($id: ID!) { deleteFeed(id: $id, deleteEvents: true) { eventsAffected } }",
            json!({ "id": feed }),
        )
        .await;
        let change = admin.event_change("events").await;
        assert_eq!(change["kind"], "REMOVED", "[{}] {change}", app.backend);
        assert_eq!(change["event"], Value::Null);
        app.stop().await;
    }
}

/// Two instances on one PostgreSQL database: a change made through one reaches the
/// subscribers of the other, through `LISTEN`/`NOTIFY`.
#[tokio::test]
async fn a_change_on_one_instance_reaches_subscribers_of_another() {
    let Some(pair) = common::PgPair::start(false, common::feed_settings(), 4).await else {
        return;
    };
    let (one, two) = (&pair.one, &pair.two);
    let (admin, name) = (&pair.admin, &pair.name);
    use sea_orm::ConnectionTrait;
    let (_, temporary) =
        passerelle::auth::accounts::create_user(&one.db, "admin@example.org", None, None, entity::Role::Admin)
            .await
            .expect("an admin");
    let client = reqwest::Client::new();
    let post = |addr: std::net::SocketAddr, token: Option<String>, query: String, variables: Value| {
        let client = client.clone();
        async move {
            let mut req = client
                .post(format!("http://{addr}/graphql"))
                .json(&json!({ "query": query, "variables": variables }));
            if let Some(token) = token {
                req = req.bearer_auth(token);
            }
            let body: Value = req.send().await.expect("sent").json().await.expect("json");
            assert!(body.get("errors").is_none(), "{body}");
            body["data"].clone()
        }
    };
    let login = post(
        one.addr,
        None,
        "mutation($p: String!) { login(email: \"admin@example.org\", password: $p) { token } }".into(),
        json!({ "p": temporary }),
    )
    .await;
    let token = login["login"]["token"].as_str().expect("a token").to_string();
    post(
        one.addr,
        Some(token.clone()),
        "mutation($p: String!) { changePassword(currentPassword: $p, newPassword: \"another long passphrase\") { user { email } } }"
            .into(),
        json!({ "p": temporary }),
    )
    .await;

    let mut on_two = Client::open(&format!("http://{}", two.addr), "/graphql", None).await;
    on_two.init(json!({})).await;
    on_two.subscribe("e", EVENT_CHANGED, json!({})).await;
    let mut on_one = Client::open(&format!("http://{}", one.addr), "/graphql", None).await;
    on_one.init(json!({})).await;
    on_one.subscribe("e", EVENT_CHANGED, json!({})).await;

    let created = post(
        one.addr,
        Some(token.clone()),
        "mutation { createEvent(input: { title: \"Partagé\", startsAt: \"2027-03-01T09:00:00Z\" }) { event { id } } }"
            .into(),
        json!({}),
    )
    .await;
    let id = created["createEvent"]["event"]["id"].as_str().expect("an id");
    for sub in [&mut on_two, &mut on_one] {
        let change = sub.event_change("e").await;
        assert_eq!(change["kind"], "CREATED", "{change}");
        assert_eq!(change["eventId"], id);
    }

    // The listener of instance two loses its connection: it reconnects, and changes made
    // afterwards are delivered again.
    let listeners = format!(
        "SELECT pid FROM pg_stat_activity WHERE datname = '{name}' AND query LIKE 'LISTEN%passerelle_changes%' AND pid <> pg_backend_pid()"
    );
    let pids = |rows: Vec<sea_orm::QueryResult>| -> Vec<i32> {
        rows.iter().filter_map(|r| r.try_get_by_index::<i32>(0).ok()).collect()
    };
    let before = pids(
        admin
            .query_all_raw(sea_orm::Statement::from_string(
                sea_orm::DatabaseBackend::Postgres,
                listeners.clone(),
            ))
            .await
            .expect("listeners"),
    );
    assert_eq!(before.len(), 2, "one listener per instance: {before:?}");
    admin
        .execute_unprepared(&format!(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '{name}' AND query LIKE 'LISTEN%passerelle_changes%'"
        ))
        .await
        .expect("terminated");
    // Wait (polling the database, with a deadline) until both listen again.
    let deadline = tokio::time::Instant::now() + WAIT;
    loop {
        let now = pids(
            admin
                .query_all_raw(sea_orm::Statement::from_string(
                    sea_orm::DatabaseBackend::Postgres,
                    listeners.clone(),
                ))
                .await
                .expect("listeners"),
        );
        if now.len() == 2 && now.iter().all(|p| !before.contains(p)) {
            break;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "the listeners did not come back: {now:?}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    post(
        one.addr,
        Some(token.clone()),
        "mutation($id: ID!) { updateEvent(id: $id, input: { title: \"Partagé, encore\" }) { event { id } } }".into(),
        json!({ "id": id }),
    )
    .await;
    let change = on_two.event_change("e").await;
    assert_eq!(change["kind"], "UPDATED", "{change}");
    assert_eq!(change["event"]["title"], "Partagé, encore");

    pair.stop().await;
}

/// The `passerelle_graphql_operations_total` samples of `operation` with these labels.
async fn operations(app: &TestApp, operation: &str, kind: &str, outcome: &str) -> f64 {
    let text = app
        .client
        .get(format!("{}/metrics", app.base))
        .send()
        .await
        .expect("scraped")
        .text()
        .await
        .expect("a body");
    let labels = [
        format!("operation=\"{operation}\""),
        format!("type=\"{kind}\""),
        format!("outcome=\"{outcome}\""),
    ];
    text.lines()
        .filter(|l| l.starts_with("passerelle_graphql_operations_total{"))
        .filter(|l| labels.iter().all(|label| l.contains(label.as_str())))
        .filter_map(|l| l.rsplit_once(' ')?.1.parse::<f64>().ok())
        .sum()
}

#[tokio::test]
async fn operations_over_a_websocket_are_counted_in_the_metrics() {
    for app in common::apps(false).await {
        let backend = app.backend;
        let mut client = Client::connect(&app, json!({ "authorization": bearer(&app.admin_token) })).await;
        // A query over the socket: `next` then `complete`, counted and timed once it ends.
        client
            .send(json!({ "id": "q", "type": "subscribe", "payload": { "query": "query WsCount { __typename }" } }))
            .await;
        assert_eq!(client.next("q").await["data"]["__typename"], "Query");
        let complete = client.json().await;
        assert_eq!(complete["type"], "complete", "{complete}");
        // A subscription stopped by the client, and an invalid one.
        client
            .subscribe("s", "subscription WsListen { eventChanged { kind } }", json!({}))
            .await;
        client.send(json!({ "id": "s", "type": "complete" })).await;
        client
            .send(json!({ "id": "v", "type": "subscribe", "payload": { "query": "subscription WsWrong { nope }" } }))
            .await;
        let refused = client.json().await;
        assert_eq!(refused["type"], "error", "{refused}");
        // The end of the stopped subscription is counted as its task ends: wait for it.
        let deadline = std::time::Instant::now() + WAIT;
        while operations(&app, "WsListen", "subscription", "ok").await < 1.0 {
            assert!(
                std::time::Instant::now() < deadline,
                "[{backend}] the subscription is counted"
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        assert!(operations(&app, "WsCount", "query", "ok").await >= 1.0, "[{backend}]");
        // Refused before execution: the client's name is not a label of its own.
        assert!(
            operations(&app, "other", "subscription", "refused").await >= 1.0,
            "[{backend}]"
        );
        let text = app
            .client
            .get(format!("{}/metrics", app.base))
            .send()
            .await
            .expect("scraped")
            .text()
            .await
            .expect("a body");
        let timed = |name: &str| {
            text.lines()
                .any(|l| l.starts_with("passerelle_graphql_operation_duration_seconds_count{") && l.contains(name))
        };
        assert!(timed("operation=\"WsCount\""), "[{backend}] the query is timed");
        assert!(
            !timed("operation=\"WsListen\""),
            "[{backend}] a subscription's lifetime is not timed"
        );
        app.stop().await;
    }
}
