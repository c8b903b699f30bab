//! The French order of names and titles: « École nationale… » among the E, not after
//! « Verr’Elles »; accents and case only between otherwise equal words, punctuation ignored,
//! numbers by value — across pages read by cursor, forward and backward, on both databases,
//! for rows written through GraphQL and for rows that were there before the sort keys.

use serde_json::{Value, json};

use crate::common::{self, TestApp, apps, fresh_databases};

const ORGANISATIONS: &[&str] = &[
    "Verr’Elles",
    "École nationale supérieure de mécanique et des microtechniques",
    "Delta Formation",
    "Fédération des CMQ",
    "Arc France",
    "capital filles",
    "CORIF",
    "Elles Bougent",
    "Ecole Centrale",
    "Zèbre Industrie",
];

/// What a French reader expects.
const ORGANISATIONS_SORTED: &[&str] = &[
    "Arc France",
    "capital filles",
    "CORIF",
    "Delta Formation",
    "Ecole Centrale",
    "École nationale supérieure de mécanique et des microtechniques",
    "Elles Bougent",
    "Fédération des CMQ",
    "Verr’Elles",
    "Zèbre Industrie",
];

/// Every name of a list read `size` at a time by cursor, in `order`; `backward` reads from the
/// end with `last`/`before` and gives the names back in list order.
async fn read_all(app: &TestApp, list: &str, field: &str, order: &str, size: usize, backward: bool) -> Vec<String> {
    let (page, cursor_field, more) = if backward {
        ("last", "before", "hasPreviousPage")
    } else {
        ("first", "after", "hasNextPage")
    };
    let query = format!(
        "query($c: String) {{ {list}({page}: {size}, {cursor_field}: $c, orderBy: {order}) {{ \
         edges {{ cursor node {{ {field} }} }} pageInfo {{ {more} }} }} }}"
    );
    let mut names: Vec<String> = Vec::new();
    let mut cursor = Value::Null;
    loop {
        let data = app.data(&query, json!({ "c": cursor })).await;
        let edges = data[list]["edges"].as_array().cloned().unwrap_or_default();
        assert!(edges.len() <= size);
        let mut page: Vec<String> = edges
            .iter()
            .map(|e| e["node"][field].as_str().unwrap_or_default().to_string())
            .collect();
        let next = if backward { edges.first() } else { edges.last() };
        if backward {
            page.extend(names);
            names = page;
        } else {
            names.extend(page);
        }
        if data[list]["pageInfo"][more] != true {
            break;
        }
        cursor = next.expect("a page with more has rows")["cursor"].clone();
    }
    names
}

#[tokio::test]
async fn names_and_titles_sort_in_french_order_across_pages() {
    for app in apps(false).await {
        for (i, name) in ORGANISATIONS.iter().enumerate() {
            common::organisation(&app, &format!("org-{i}"), name, json!({})).await;
        }
        for size in [1, 3, 4] {
            let forward = read_all(&app, "organisations", "name", "NAME_ASC", size, false).await;
            assert_eq!(forward, ORGANISATIONS_SORTED, "[{}] pages of {size}", app.backend);
            let backward = read_all(&app, "organisations", "name", "NAME_ASC", size, true).await;
            assert_eq!(
                backward, ORGANISATIONS_SORTED,
                "[{}] backward, pages of {size}",
                app.backend
            );
        }
        let mut descending: Vec<&str> = ORGANISATIONS_SORTED.to_vec();
        descending.reverse();
        assert_eq!(
            read_all(&app, "organisations", "name", "NAME_DESC", 3, false).await,
            descending,
            "[{}]",
            app.backend
        );

        // Event titles: numbers by value, accents after letters, punctuation ignored.
        for title in [
            "Atelier 10 : bilan",
            "Atelier 2 : méthodes",
            "Élection des marraines",
            "Eclairage des métiers",
            "« Café des métiers »",
            "atelier 1 : ouverture",
            "Zoom sur l’industrie",
        ] {
            common::event(
                &app,
                json!({ "title": title, "startsAt": "2027-03-08T09:00:00Z", "visibility": "PUBLIC" }),
            )
            .await;
        }
        assert_eq!(
            read_all(&app, "events", "title", "TITLE_ASC", 2, false).await,
            [
                "atelier 1 : ouverture",
                "Atelier 2 : méthodes",
                "Atelier 10 : bilan",
                "« Café des métiers »",
                "Eclairage des métiers",
                "Élection des marraines",
                "Zoom sur l’industrie",
            ],
            "[{}]",
            app.backend
        );

        // Contacts: last name, then first name; a longer last name comes after.
        for (first, last) in [
            ("Zoé", "Dupont"),
            ("Béa", "Duponta"),
            ("Anne", "Dupont"),
            ("Luc", "Dumas"),
            ("Ève", "Éluard"),
            ("Marc", "d’Aubigné"),
        ] {
            app.data(
                "mutation($i: CreateContactInput!) { createContact(input: $i) { contact { id } } }",
                json!({ "i": { "firstName": first, "lastName": last, "visibility": "PUBLIC" } }),
            )
            .await;
        }
        let query = "query($c: String) { contacts(first: 2, after: $c) { edges { cursor node { firstName lastName } } pageInfo { hasNextPage } } }";
        let mut seen = Vec::new();
        let mut cursor = Value::Null;
        loop {
            let data = app.data(query, json!({ "c": cursor })).await;
            let edges = data["contacts"]["edges"].as_array().cloned().unwrap_or_default();
            for e in &edges {
                seen.push(format!(
                    "{} {}",
                    e["node"]["lastName"].as_str().unwrap_or_default(),
                    e["node"]["firstName"].as_str().unwrap_or_default()
                ));
            }
            if data["contacts"]["pageInfo"]["hasNextPage"] != true {
                break;
            }
            cursor = edges.last().expect("a row")["cursor"].clone();
        }
        assert_eq!(
            seen,
            [
                "d’Aubigné Marc",
                "Dumas Luc",
                "Dupont Anne",
                "Dupont Zoé",
                "Duponta Béa",
                "Éluard Ève"
            ],
            "[{}]",
            app.backend
        );

        // A rename moves the row: its key is written with its name.
        let data = app
            .data("{ organisations(first: 100) { nodes { id name } } }", json!({}))
            .await;
        let zebre = data["organisations"]["nodes"]
            .as_array()
            .and_then(|all| all.iter().find(|o| o["name"] == "Zèbre Industrie"))
            .and_then(|o| o["id"].as_str())
            .expect("Zèbre")
            .to_string();
        app.data(
            "mutation($id: ID!) { updateOrganisation(id: $id, input: { name: \"Ébène Industrie\" }) { organisation { id } } }",
            json!({ "id": zebre }),
        )
        .await;
        let names = read_all(&app, "organisations", "name", "NAME_ASC", 5, false).await;
        let position = |n: &str| names.iter().position(|x| x == n).expect(n);
        assert!(position("Ébène Industrie") < position("Ecole Centrale"), "{names:?}");
        assert!(position("Delta Formation") < position("Ébène Industrie"), "{names:?}");
        app.stop().await;
    }
}

/// Rows written before the sort keys existed get theirs from the migration, and read in
/// French order through the API.
#[tokio::test]
async fn rows_from_before_the_sort_keys_are_keyed_by_the_migration() {
    use migration::{Migrator, MigratorTrait};
    use sea_orm::ConnectionTrait;
    use sea_orm::sea_query::{Alias, Query};
    for fresh in fresh_databases().await {
        let db = fresh.connect().await;
        let before = Migrator::migrations()
            .iter()
            .position(|m| m.name() == "m20261201_000030_add_sort_keys")
            .expect("the sort keys migration");
        Migrator::up(&db, Some(before as u32))
            .await
            .expect("the earlier migrations");
        let at = chrono::Utc::now();
        for (i, name) in ORGANISATIONS.iter().enumerate() {
            db.execute(
                &Query::insert()
                    .into_table(Alias::new("organisations"))
                    .columns(["id", "slug", "name", "name_key", "kind", "created_at", "updated_at"].map(Alias::new))
                    .values_panic([
                        uuid::Uuid::now_v7().into(),
                        format!("old-{i}").into(),
                        (*name).into(),
                        entity::organisation::name_key(name).into(),
                        "association".into(),
                        at.into(),
                        at.into(),
                    ])
                    .to_owned(),
            )
            .await
            .expect("an organisation of before");
        }
        db.close().await.expect("closed");
        let app = fresh.start(false).await;
        assert_eq!(
            read_all(&app, "organisations", "name", "NAME_ASC", 3, false).await,
            ORGANISATIONS_SORTED,
            "[{}]",
            app.backend
        );
        app.stop().await;
    }
}
