//! Several hub instances on one database: they start together (migrations take turns) and
//! see each other's writes.

use serde_json::json;

use crate::common;

#[tokio::test]
async fn two_instances_start_together_on_one_postgres_database() {
    let Some(pair) = common::PgPair::start(
        true,
        passerelle::config::FeedSettings {
            scheduler: false,
            ..Default::default()
        },
        4,
    )
    .await
    else {
        return;
    };
    let (one, two) = (&pair.one, &pair.two);

    let client = reqwest::Client::new();
    let post = |addr: std::net::SocketAddr, token: Option<String>, query: String| {
        let client = client.clone();
        async move {
            let mut req = client
                .post(format!("http://{addr}/graphql"))
                .json(&json!({ "query": query }));
            if let Some(token) = token {
                req = req.bearer_auth(token);
            }
            req.send()
                .await
                .expect("sent")
                .json::<serde_json::Value>()
                .await
                .expect("json")
        }
    };
    // A session opened on one instance is accepted by the other.
    let (_, temporary) =
        passerelle::auth::accounts::create_user(&one.db, "admin@example.org", None, None, entity::Role::Admin)
            .await
            .expect("an admin");
    let login = post(
        one.addr,
        None,
        format!("mutation {{ login(email: \"admin@example.org\", password: \"{temporary}\") {{ token }} }}"),
    )
    .await;
    let token = login["data"]["login"]["token"].as_str().expect("a token").to_string();
    let changed = post(
        two.addr,
        Some(token.clone()),
        format!(
            "mutation {{ changePassword(currentPassword: \"{temporary}\", newPassword: \"another long passphrase\") {{ user {{ email }} }} }}"
        ),
    )
    .await;
    assert!(changed.get("errors").is_none(), "{changed}");
    let created = post(
        two.addr,
        Some(token.clone()),
        "mutation { createOrganisation(input: { slug: \"shared-org\", name: \"Partagée\", kind: NETWORK }) { organisation { id } } }".into(),
    )
    .await;
    assert!(created.get("errors").is_none(), "{created}");
    let seen = post(
        one.addr,
        None,
        "{ organisation(slug: \"shared-org\") { name } organisations { totalCount } }".into(),
    )
    .await;
    assert_eq!(seen["data"]["organisation"]["name"], "Partagée");
    // The demo data was loaded once, not twice.
    let demo_orgs = seen["data"]["organisations"]["totalCount"].as_i64().unwrap_or(0);
    assert!(demo_orgs > 1 && demo_orgs < 40, "{seen}");

    pair.stop().await;
}

#[tokio::test]
async fn two_instances_pull_each_due_feed_exactly_once() {
    use crate::common::feed_server::{FeedServer, Reply};
    use sea_orm::{ActiveModelTrait, EntityTrait, IntoActiveModel, Set};

    let Some(pair) = common::PgPair::start(
        false,
        passerelle::config::FeedSettings {
            concurrency: 3,
            ..common::feed_settings()
        },
        6,
    )
    .await
    else {
        return;
    };
    let (one, two) = (&pair.one, &pair.two);

    let server = FeedServer::start().await;
    let org = passerelle::store::record::create::<entity::organisation::Entity>(
        &one.db,
        passerelle::store::organisations::OrganisationFields {
            slug: "cmq-industrie".into(),
            name: "CMQ Industrie".into(),
            kind: entity::OrganisationKind::Cmq,
            region: None,
            departement: None,
            postal_code: None,
            city: None,
            website: None,
            description: None,
        },
    )
    .await
    .expect("an organisation");
    let mut feeds = Vec::new();
    for i in 0..16 {
        let path = format!("/f{i}.ics");
        let ics = format!(
            "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nBEGIN:VEVENT\r\nUID:u{i}\r\nDTSTART:20270101T10{:02}00Z\r\nSUMMARY:Atelier {i}\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n",
            i
        );
        server.set(&path, Reply::file("text/calendar", ics));
        let feed = passerelle::store::record::create::<entity::feed::Entity>(
            &one.db,
            passerelle::store::feeds::FeedFields {
                organisation_id: org.id,
                name: format!("Feed {i}"),
                url: server.url(&path),
                format: entity::FeedFormat::Ical,
                interval_minutes: 60,
                enabled: true,
                default_visibility: entity::Visibility::Public,
                default_audiences: Vec::new(),
                timezone: "Europe/Paris".into(),
                use_publication_date: false,
                csv_columns: Default::default(),
            },
        )
        .await
        .expect("a feed");
        feeds.push((path, feed));
    }
    // A feed held by a live lease of another instance is left alone; one whose holder
    // crashed (expired lease) is taken over.
    let now = chrono::Utc::now();
    let mut held = feeds[0].1.clone().into_active_model();
    held.lease_owner = Set(Some("instance-alive".into()));
    held.lease_expires_at = Set(Some(now + chrono::Duration::minutes(10)));
    held.update(&one.db).await.expect("held");
    let mut crashed = feeds[1].1.clone().into_active_model();
    crashed.lease_owner = Set(Some("instance-crashed".into()));
    crashed.lease_expires_at = Set(Some(now - chrono::Duration::minutes(1)));
    crashed.update(&one.db).await.expect("crashed");

    let (a, b) = tokio::join!(one.puller.run_once(), two.puller.run_once());
    let (a, b) = (a.expect("instance one pulls"), b.expect("instance two pulls"));
    assert_eq!(a.len() + b.len(), 15, "every due feed once: {} + {}", a.len(), b.len());
    assert_eq!(server.hits(&feeds[0].0), 0, "the live lease is respected");
    for (path, _) in &feeds[1..] {
        assert_eq!(server.hits(path), 1, "{path} was pulled exactly once");
    }
    // Nothing is left due, on either instance.
    let (a, b) = tokio::join!(one.puller.run_once(), two.puller.run_once());
    assert_eq!(a.expect("a pass").len() + b.expect("a pass").len(), 0);
    let events = entity::event::Entity::find().all(&one.db).await.expect("events");
    assert_eq!(events.len(), 15);
    // Every lease taken was released; only the live one of the other instance remains.
    let held: Vec<_> = entity::feed::Entity::find()
        .all(&one.db)
        .await
        .expect("feeds")
        .into_iter()
        .filter_map(|f| f.lease_owner)
        .collect();
    assert_eq!(held, vec!["instance-alive".to_string()]);

    pair.stop().await;
}
