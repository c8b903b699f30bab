//! The feed registry from an editor's side: one feed per address and organisation, a feed
//! `PENDING` until its first pull, `createFeed` pulled at once by the scheduler, and refusals
//! that name the setting to change.

use serde_json::{Value, json};

use crate::common::feed_server::{FeedServer, Reply};
use crate::common::{self, apps, apps_configured, error_code, error_field, feed, organisation, sync};

const CREATE: &str = "mutation($i: CreateFeedInput!) { createFeed(input: $i) { feed { id status lastFetchedAt } } }";

fn calendar() -> Reply {
    Reply::file(
        "text/calendar",
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//test//EN\r\nBEGIN:VEVENT\r\nUID:robotique-1@example.org\r\n\
         DTSTAMP:20270101T000000Z\r\nDTSTART:20270310T090000Z\r\nSUMMARY:Atelier robotique\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n",
    )
}

#[tokio::test]
async fn an_organisation_registers_an_address_once() {
    let server = FeedServer::start().await;
    server.set("/agenda.ics", calendar());
    server.set("/autre.ics", calendar());
    for app in apps(false).await {
        let org = organisation(&app, "capital-filles", "Capital Filles", json!({})).await;
        let other = organisation(&app, "elles-bougent", "Elles Bougent", json!({})).await;
        let editor = app
            .account("editrice@capital-filles.example.org", entity::Role::Editor, Some(&org))
            .await;
        let url = server.url("/agenda.ics");
        let first = app
            .gql_as(Some(&editor), CREATE, json!({ "i": { "name": "Agenda", "url": url } }))
            .await;
        let first_id = first["data"]["createFeed"]["feed"]["id"]
            .as_str()
            .expect("an id")
            .to_string();
        // The same address again, its fragment aside (never sent to the server): refused,
        // naming the feed that has it.
        for again in [url.clone(), format!("{url}#semaine")] {
            let body = app
                .gql_as(
                    Some(&editor),
                    CREATE,
                    json!({ "i": { "name": "Agenda bis", "url": again } }),
                )
                .await;
            assert_eq!(error_code(&body), "CONFLICT", "[{}] {body}", app.backend);
            let message = body["errors"][0]["message"].as_str().unwrap_or("");
            assert!(
                message.contains("« Agenda »") && message.contains(&first_id),
                "{message}"
            );
        }
        // Another organisation may pull the same address.
        feed(&app, &other, &url, json!({})).await;
        // A feed moved onto a taken address is refused too; its own address is no conflict.
        let second = feed(&app, &org, &server.url("/autre.ics"), json!({})).await;
        let update = "mutation($id: ID!, $i: UpdateFeedInput!) { updateFeed(id: $id, input: $i) { feed { id } } }";
        let body = app.gql(update, json!({ "id": second, "i": { "url": url } })).await;
        assert_eq!(error_code(&body), "CONFLICT", "[{}] {body}", app.backend);
        let body = app
            .gql(
                update,
                json!({ "id": first_id, "i": { "url": url, "name": "Agenda 2027" } }),
            )
            .await;
        assert!(body.get("errors").is_none(), "[{}] {body}", app.backend);
        // So the organisation has its two addresses, each once, and an event of the first once.
        let feeds = app
            .data(
                "query($org: ID!) { feeds(filter: { organisationId: $org }) { totalCount } }",
                json!({ "org": org }),
            )
            .await;
        assert_eq!(feeds["feeds"]["totalCount"], 2, "[{}]", app.backend);
        sync(&app, &first_id).await;
        let found = app
            .data(
                "query($org: ID!) { events(filter: { organisationId: $org }) { totalCount } }",
                json!({ "org": org }),
            )
            .await;
        assert_eq!(
            found["events"]["totalCount"], 1,
            "[{}] one event, not one per feed",
            app.backend
        );

        // `deleteFeed` answers `deletedId`, as every delete does.
        let deleted = app
            .data(
                "mutation($id: ID!) { deleteFeed(id: $id) { deletedId eventsAffected } }",
                json!({ "id": second }),
            )
            .await;
        assert_eq!(deleted["deleteFeed"]["deletedId"], second.as_str(), "[{}]", app.backend);
        app.stop().await;
    }
}

#[tokio::test]
async fn a_feed_is_pending_until_its_first_pull() {
    let server = FeedServer::start().await;
    server.set("/agenda.ics", calendar());
    for app in apps(false).await {
        let org = organisation(&app, "capital-filles", "Capital Filles", json!({})).await;
        let created = app
            .data(
                CREATE,
                json!({ "i": { "organisationId": org, "name": "Agenda", "url": server.url("/agenda.ics") } }),
            )
            .await;
        let f = &created["createFeed"]["feed"];
        assert_eq!(f["status"], "PENDING", "[{}] {f}", app.backend);
        assert_eq!(f["lastFetchedAt"], Value::Null);
        let id = f["id"].as_str().expect("an id").to_string();
        let (run, after) = sync(&app, &id).await;
        assert_eq!(run["outcome"], "SUCCESS", "[{}] {run}", app.backend);
        assert_eq!(after["status"], "OK");
        // Disabled and enabled again without a pull in between: it was pulled, so not pending.
        let update =
            "mutation($id: ID!, $on: Boolean!) { updateFeed(id: $id, input: { enabled: $on }) { feed { status } } }";
        let off = app.data(update, json!({ "id": id, "on": false })).await;
        assert_eq!(off["updateFeed"]["feed"]["status"], "DISABLED");
        let on = app.data(update, json!({ "id": id, "on": true })).await;
        assert_eq!(on["updateFeed"]["feed"]["status"], "OK", "[{}]", app.backend);
        app.stop().await;
    }
}

#[tokio::test]
async fn a_new_feed_is_pulled_at_once_not_at_the_next_poll() {
    let server = FeedServer::start().await;
    // A scheduler that would otherwise look for due feeds only once an hour.
    let hubs = apps_configured(false, |c| {
        c.feeds.scheduler = true;
        c.feeds.poll_every = std::time::Duration::from_secs(3600);
    })
    .await;
    for app in hubs {
        let org = organisation(&app, "capital-filles", "Capital Filles", json!({})).await;
        let path = format!("/{}/agenda.ics", app.backend);
        server.set(&path, calendar());
        let id = feed(&app, &org, &server.url(&path), json!({})).await;
        // Waits for the pull the registration woke, with a bound far below the hour.
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
        let read = || {
            app.data(
                "query($id: ID!) { feed(id: $id) { status runs { totalCount nodes { outcome created } } } }",
                json!({ "id": id }),
            )
        };
        let state = loop {
            let state = read().await;
            let runs = &state["feed"]["runs"];
            if runs["nodes"][0]["outcome"] == "SUCCESS" {
                // The feed and its runs are two statements of one answer, not one snapshot: the
                // sync's commit (run and feed together) may fall between them. Read once more,
                // after the commit, for the feed's status.
                break read().await;
            }
            assert!(
                std::time::Instant::now() < deadline,
                "[{}] the feed was not pulled: {state}",
                app.backend
            );
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        };
        assert_eq!(state["feed"]["status"], "OK", "[{}] {state}", app.backend);
        assert_eq!(state["feed"]["runs"]["nodes"][0]["created"], 1);
        assert_eq!(server.hits(&path), 1, "[{}] pulled once", app.backend);
        app.stop().await;
    }
}

#[tokio::test]
async fn a_private_address_refusal_names_the_setting_that_allows_it() {
    // Without the tests' own allowance of 127.0.0.1.
    for app in apps_configured(false, |c| c.feeds.allow_hosts = Default::default()).await {
        let org = organisation(&app, "capital-filles", "Capital Filles", json!({})).await;
        for url in [
            "http://127.0.0.1:9/agenda.ics",
            "http://10.1.2.3/agenda.ics",
            "http://[::ffff:192.168.0.1]/a.ics",
        ] {
            let body = app
                .gql(
                    CREATE,
                    json!({ "i": { "organisationId": org, "name": "Agenda", "url": url } }),
                )
                .await;
            assert_eq!(error_code(&body), "BAD_USER_INPUT", "[{}] {body}", app.backend);
            assert_eq!(error_field(&body), "url");
            let message = body["errors"][0]["message"].as_str().unwrap_or("");
            assert!(
                message.contains("PASSERELLE_FEEDS_ALLOW_HOSTS"),
                "[{}] {message}",
                app.backend
            );
        }
        app.stop().await;
    }
    // A name that resolves to a private address is refused at the pull, in the same words.
    let server = FeedServer::start().await;
    server.set("/agenda.ics", calendar());
    let url = server.url("/agenda.ics").replace("127.0.0.1", "localhost");
    for app in apps_configured(false, |c| c.feeds.allow_hosts = Default::default()).await {
        let org = organisation(&app, "capital-filles", "Capital Filles", json!({})).await;
        let id = feed(&app, &org, &url, json!({})).await;
        let (run, after) = common::sync(&app, &id).await;
        assert_eq!(run["outcome"], "FAILED", "[{}] {run}", app.backend);
        let error = run["error"].as_str().unwrap_or("");
        assert!(
            error.contains("PASSERELLE_FEEDS_ALLOW_HOSTS"),
            "[{}] {error}",
            app.backend
        );
        assert_eq!(after["lastError"], run["error"]);
        app.stop().await;
    }
}
