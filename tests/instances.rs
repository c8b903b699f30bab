//! Several hub instances on one database: they start together (migrations take turns) and
//! see each other's writes.

mod common;

use serde_json::json;

#[tokio::test]
async fn two_instances_start_together_on_one_postgres_database() {
    let Ok(admin_url) = std::env::var("PASSERELLE_TEST_DATABASE_URL") else {
        eprintln!("PostgreSQL half skipped: PASSERELLE_TEST_DATABASE_URL is not set");
        return;
    };
    let name = format!("passerelle_t_{}", uuid::Uuid::new_v4().simple());
    let admin = sea_orm::Database::connect(admin_url.as_str())
        .await
        .expect("admin connection");
    {
        use sea_orm::ConnectionTrait;
        admin
            .execute_unprepared(&format!("CREATE DATABASE \"{name}\""))
            .await
            .expect("a test database");
    }
    let mut url = url::Url::parse(&admin_url).expect("a URL");
    url.set_path(&format!("/{name}"));
    let config = |dir: &str| passerelle::config::Config {
        database_url: url.to_string(),
        listen: "127.0.0.1:0".parse().expect("an address"),
        data_dir: std::env::temp_dir().join(dir),
        db_max_connections: 4,
        max_body_bytes: 64 * 1024,
        max_depth: 12,
        max_complexity: 5000,
        trust_forwarded_for: false,
        feeds: passerelle::config::FeedSettings {
            scheduler: false,
            ..Default::default()
        },
    };
    let (a, b) = (config("passerelle-a"), config("passerelle-b"));
    let (one, two) = tokio::join!(
        passerelle::startup::start(&a, true),
        passerelle::startup::start(&b, true)
    );
    let (one, two) = (one.expect("instance one starts"), two.expect("instance two starts"));

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

    one.stop().await.expect("stops");
    two.stop().await.expect("stops");
    use sea_orm::ConnectionTrait;
    let _ = admin
        .execute_unprepared(&format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"))
        .await;
}
