//! Indicators on a fixture whose every figure is computed by hand: totals per role (the
//! visibility policy), each grouping, the filters, the people-reached rule (an action's own
//! figure is not added to its reports'), a Paris day boundary, and the CSV and SVG exports.
//!
//! The fixture (organisation A in Bourgogne-Franche-Comté, B in Hauts-de-France):
//!
//! | record | owner | région | audiences | status | visibility | date | people | rating |
//! |---|---|---|---|---|---|---|---|---|
//! | a1 action | A | BFC | lycée | completed | public | created now | 100 | |
//! | a2 action | A | BFC | collège, lycée | in progress | public | created now | — | |
//! | a3 action | B | HDF | — | planned | organisation | created now | 30 | |
//! | e1 event | A | BFC | lycée | scheduled | public | 2026-06-01 | | |
//! | e2 event | A | BFC | — | scheduled | public | 2041-06-01 | | |
//! | e3 event | B | HDF | — | cancelled | partners | 2030-01-10 | | |
//! | e4 event | B | HDF | — | removed upstream | public | 2029-05-05 | | |
//! | e5 event | B | HDF | — | scheduled | public | 2040-03-31 22:30 UTC = 1 April in Paris | | |
//! | res1 resource | A | (A's) BFC | lycée | teaching kit, free | public | created now | | |
//! | res2 resource | B | (B's) HDF | — | video, not free | partners | created now | | |
//! | l1 loan of res1's kit to B | A | (B's) HDF | lycée | returned | | 2026-09-14 → 10-09 (25 d) | | |
//! | l2 loan | A | HDF | lycée | confirmed | | 2041-03-01 → 03-11 (10 d) | | |
//! | l3 loan | A | HDF | lycée | requested (not counted) | | 2041-05-01 | | |
//! | r1 report on a1 | | | | | | 2026-03-10 | 40 (not counted) | 4 |
//! | r2 report on a2 | | | | | | 2026-05-02 | 25 | 5 |
//! | r3 report on a2 | | | | | | 2027-01-15 | 10 | |
//! | r4 report on e1 | | | | | | 2026-06-01 | 60 | 3 |
//! | r5 report on a3 | | | | | | 2026-07-01 | 7 (not counted) | 2 |
//! | r6 report on l1 | | | | | | 2026-10-20 | 52 | 5 |

use std::collections::BTreeMap;

use chrono::Datelike;
use serde_json::{Value, json};

use crate::common::kits;
use crate::common::{TestApp, apps, error_code, organisation};

/// The figures of one row, in the order `FIELDS` selects them.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
struct Row {
    people: i64,
    actions: i64,
    held: i64,
    upcoming: i64,
    cancelled: i64,
    reports: i64,
    rated: i64,
    mean: Option<f64>,
    resources: i64,
    free: i64,
    loans: i64,
    days: i64,
}

const FIELDS: &str = "region organisation { slug } audience year month actionStatus resourceKind \
    peopleReached actions events eventsHeld eventsUpcoming eventsCancelled experienceReports meanRating ratedReports \
    resources resourcesFreeOfRights resourcesNotFreeOfRights kitLoans loanDays";

fn row(v: &Value) -> Row {
    let n = |k: &str| v[k].as_i64().unwrap_or_else(|| panic!("{k} in {v}"));
    assert_eq!(
        n("events"),
        n("eventsHeld") + n("eventsUpcoming") + n("eventsCancelled")
    );
    assert_eq!(
        n("resourcesNotFreeOfRights"),
        n("resources") - n("resourcesFreeOfRights")
    );
    Row {
        people: n("peopleReached"),
        actions: n("actions"),
        held: n("eventsHeld"),
        upcoming: n("eventsUpcoming"),
        cancelled: n("eventsCancelled"),
        reports: n("experienceReports"),
        rated: n("ratedReports"),
        mean: v["meanRating"].as_f64(),
        resources: n("resources"),
        free: n("resourcesFreeOfRights"),
        loans: n("kitLoans"),
        days: n("loanDays"),
    }
}

struct Fixture {
    a: String,
    b: String,
    /// A member of A, an editor of B.
    member_a: String,
    editor_b: String,
}

async fn create(app: &TestApp, mutation: &str, input: &str, field: &str, value: Value) -> String {
    let data = app
        .data(
            &format!("mutation($input: {input}!) {{ {mutation}(input: $input) {{ {field} {{ id }} }} }}"),
            json!({ "input": value }),
        )
        .await;
    data[mutation][field]["id"].as_str().expect("an id").to_string()
}

async fn fixture(app: &TestApp) -> Fixture {
    let a = organisation(
        app,
        "cmq-a",
        "CMQ A",
        json!({ "kind": "CMQ", "region": "BOURGOGNE_FRANCHE_COMTE" }),
    )
    .await;
    let b = organisation(
        app,
        "reseau-b",
        "Réseau B",
        json!({ "kind": "NETWORK", "region": "HAUTS_DE_FRANCE" }),
    )
    .await;
    let action =
        |org: &str, title: &str, region: &str, status: &str, audiences: Value, people: Value, visibility: &str| {
            json!({ "organisationId": org, "title": title, "region": region, "status": status, "audiences": audiences,
                "peopleReached": people, "visibility": visibility })
        };
    let a1 = create(
        app,
        "createAction",
        "CreateActionInput",
        "action",
        action(
            &a,
            "a1",
            "BOURGOGNE_FRANCHE_COMTE",
            "COMPLETED",
            json!(["LYCEE"]),
            json!(100),
            "PUBLIC",
        ),
    )
    .await;
    let a2 = create(
        app,
        "createAction",
        "CreateActionInput",
        "action",
        action(
            &a,
            "a2",
            "BOURGOGNE_FRANCHE_COMTE",
            "IN_PROGRESS",
            json!(["COLLEGE", "LYCEE"]),
            Value::Null,
            "PUBLIC",
        ),
    )
    .await;
    let a3 = create(
        app,
        "createAction",
        "CreateActionInput",
        "action",
        action(
            &b,
            "a3",
            "HAUTS_DE_FRANCE",
            "PLANNED",
            json!([]),
            json!(30),
            "ORGANISATION",
        ),
    )
    .await;
    let event =
        |org: &str, title: &str, region: &str, starts: &str, status: &str, visibility: &str, audiences: Value| {
            json!({ "organiserId": org, "title": title, "location": { "region": region }, "startsAt": starts,
                "status": status, "visibility": visibility, "audiences": audiences })
        };
    let e1 = create(
        app,
        "createEvent",
        "CreateEventInput",
        "event",
        event(
            &a,
            "e1",
            "BOURGOGNE_FRANCHE_COMTE",
            "2026-06-01T08:00:00Z",
            "SCHEDULED",
            "PUBLIC",
            json!(["LYCEE"]),
        ),
    )
    .await;
    create(
        app,
        "createEvent",
        "CreateEventInput",
        "event",
        event(
            &a,
            "e2",
            "BOURGOGNE_FRANCHE_COMTE",
            "2041-06-01T08:00:00Z",
            "SCHEDULED",
            "PUBLIC",
            json!([]),
        ),
    )
    .await;
    create(
        app,
        "createEvent",
        "CreateEventInput",
        "event",
        event(
            &b,
            "e3",
            "HAUTS_DE_FRANCE",
            "2030-01-10T08:00:00Z",
            "CANCELLED",
            "PARTNERS",
            json!([]),
        ),
    )
    .await;
    create(
        app,
        "createEvent",
        "CreateEventInput",
        "event",
        event(
            &b,
            "e4",
            "HAUTS_DE_FRANCE",
            "2029-05-05T08:00:00Z",
            "REMOVED_UPSTREAM",
            "PUBLIC",
            json!([]),
        ),
    )
    .await;
    create(
        app,
        "createEvent",
        "CreateEventInput",
        "event",
        event(
            &b,
            "e5",
            "HAUTS_DE_FRANCE",
            "2040-03-31T22:30:00Z",
            "SCHEDULED",
            "PUBLIC",
            json!([]),
        ),
    )
    .await;
    let res1 = kits::resource(app, &a, "res1", json!({ "freeOfRights": true, "audiences": ["LYCEE"] })).await;
    kits::resource(app, &b, "res2", json!({ "kind": "VIDEO", "visibility": "PARTNERS" })).await;
    let kit = kits::kit(app, &a, &res1, "K1", json!({})).await;
    let admin = app.admin_token.clone();
    let l1 = kits::confirmed(app, &kit, &b, "2026-09-14", "2026-10-09").await;
    kits::steps(app, &admin, &l1, &["handOutKitLoan", "returnKitLoan"]).await;
    kits::confirmed(app, &kit, &b, "2041-03-01", "2041-03-11").await;
    kits::requested(app, &admin, &kit, &b, "2041-05-01", "2041-05-02").await;
    let report = |subject: &str, id: &str, people: i64, rating: Value, on: &str| json!({ subject: id, "author": "Fixture", "text": "Retour", "peopleReached": people, "rating": rating, "reportedOn": on });
    for input in [
        report("actionId", &a1, 40, json!(4), "2026-03-10"),
        report("actionId", &a2, 25, json!(5), "2026-05-02"),
        report("actionId", &a2, 10, Value::Null, "2027-01-15"),
        report("eventId", &e1, 60, json!(3), "2026-06-01"),
        report("actionId", &a3, 7, json!(2), "2026-07-01"),
        report("kitLoanId", &l1, 52, json!(5), "2026-10-20"),
    ] {
        create(
            app,
            "createExperienceReport",
            "CreateExperienceReportInput",
            "experienceReport",
            input,
        )
        .await;
    }
    let member_a = app
        .account("membre@a.example.org", entity::Role::Member, Some(&a))
        .await;
    let editor_b = app
        .account("editrice@b.example.org", entity::Role::Editor, Some(&b))
        .await;
    Fixture {
        a,
        b,
        member_a,
        editor_b,
    }
}

async fn indicators(app: &TestApp, token: Option<&str>, filter: Value, group_by: Value) -> Vec<Value> {
    let body = app
        .gql_as(
            token,
            &format!("query($f: IndicatorFilter, $g: [IndicatorDimension!]!) {{ indicators(filter: $f, groupBy: $g) {{ {FIELDS} }} }}"),
            json!({ "f": filter, "g": group_by }),
        )
        .await;
    assert!(body.get("errors").is_none(), "[{}] {body:#}", app.backend);
    body["data"]["indicators"].as_array().expect("rows").clone()
}

async fn total(app: &TestApp, token: Option<&str>, filter: Value) -> Row {
    let rows = indicators(app, token, filter, json!([])).await;
    assert_eq!(rows.len(), 1, "one row of totals");
    row(&rows[0])
}

/// The rows of a one-dimension grouping, by the dimension's value (`-` for none).
async fn by(app: &TestApp, dimension: &str, key: impl Fn(&Value) -> String) -> BTreeMap<String, Row> {
    indicators(app, Some(&app.admin_token.clone()), json!({}), json!([dimension]))
        .await
        .iter()
        .map(|r| (key(r), row(r)))
        .collect()
}

fn text(field: &'static str) -> impl Fn(&Value) -> String {
    move |r: &Value| r[field].as_str().unwrap_or("-").to_string()
}

const ADMIN: Row = Row {
    people: 277,
    actions: 3,
    held: 1,
    upcoming: 2,
    cancelled: 1,
    reports: 6,
    rated: 5,
    mean: Some(3.8),
    resources: 2,
    free: 1,
    loans: 2,
    days: 35,
};

const ANONYMOUS: Row = Row {
    people: 247,
    actions: 2,
    held: 1,
    upcoming: 2,
    cancelled: 0,
    reports: 5,
    rated: 4,
    mean: Some(4.25),
    resources: 1,
    free: 1,
    loans: 2,
    days: 35,
};

#[tokio::test]
async fn every_figure_counts_what_each_role_may_see_and_people_once() {
    for app in apps(false).await {
        let f = fixture(&app).await;
        assert_eq!(
            total(&app, Some(&app.admin_token.clone()), json!({})).await,
            ADMIN,
            "[{}]",
            app.backend
        );
        assert_eq!(total(&app, None, json!({})).await, ANONYMOUS, "[{}]", app.backend);
        // B's editor sees B's own action and report, and the partners' records: all of it.
        assert_eq!(
            total(&app, Some(&f.editor_b), json!({})).await,
            ADMIN,
            "[{}]",
            app.backend
        );
        // A's member sees the partners' event and resource, not B's own action and report.
        let member = Row {
            cancelled: 1,
            resources: 2,
            ..ANONYMOUS
        };
        assert_eq!(
            total(&app, Some(&f.member_a), json!({})).await,
            member,
            "[{}]",
            app.backend
        );
        app.stop().await;
    }
}

#[tokio::test]
async fn every_grouping_adds_up_by_hand() {
    for app in apps(false).await {
        fixture(&app).await;
        let z = Row::default();

        let region = by(&app, "REGION", text("region")).await;
        let bfc = Row {
            people: 195,
            actions: 2,
            held: 1,
            upcoming: 1,
            reports: 4,
            rated: 3,
            mean: Some(4.0),
            resources: 1,
            free: 1,
            ..z
        };
        let hdf = Row {
            people: 82,
            actions: 1,
            upcoming: 1,
            cancelled: 1,
            reports: 2,
            rated: 2,
            mean: Some(3.5),
            resources: 1,
            loans: 2,
            days: 35,
            ..z
        };
        assert_eq!(
            region,
            BTreeMap::from([("BOURGOGNE_FRANCHE_COMTE".into(), bfc), ("HAUTS_DE_FRANCE".into(), hdf)]),
            "[{}]",
            app.backend
        );

        let organisation = by(&app, "ORGANISATION", |r| {
            r["organisation"]["slug"].as_str().unwrap_or("-").into()
        })
        .await;
        let a = Row {
            people: 247,
            actions: 2,
            held: 1,
            upcoming: 1,
            reports: 5,
            rated: 4,
            mean: Some(4.25),
            resources: 1,
            free: 1,
            loans: 2,
            days: 35,
            ..z
        };
        let b = Row {
            people: 30,
            actions: 1,
            upcoming: 1,
            cancelled: 1,
            reports: 1,
            rated: 1,
            mean: Some(2.0),
            resources: 1,
            ..z
        };
        assert_eq!(
            organisation,
            BTreeMap::from([("cmq-a".into(), a), ("reseau-b".into(), b)]),
            "[{}]",
            app.backend
        );

        // A record with two audiences counts in both; one with none, once in the empty group.
        let audience = by(&app, "AUDIENCE", text("audience")).await;
        let lycee = Row {
            people: 247,
            actions: 2,
            held: 1,
            reports: 5,
            rated: 4,
            mean: Some(4.25),
            resources: 1,
            free: 1,
            loans: 2,
            days: 35,
            ..z
        };
        let college = Row {
            people: 35,
            actions: 1,
            reports: 2,
            rated: 1,
            mean: Some(5.0),
            ..z
        };
        let none = Row {
            people: 30,
            actions: 1,
            upcoming: 2,
            cancelled: 1,
            reports: 1,
            rated: 1,
            mean: Some(2.0),
            resources: 1,
            ..z
        };
        assert_eq!(
            audience,
            BTreeMap::from([("COLLEGE".into(), college), ("LYCEE".into(), lycee), ("-".into(), none)]),
            "[{}]",
            app.backend
        );

        let status = by(&app, "ACTION_STATUS", text("actionStatus")).await;
        let completed = Row {
            people: 100,
            actions: 1,
            reports: 1,
            rated: 1,
            mean: Some(4.0),
            ..z
        };
        let in_progress = Row {
            people: 35,
            actions: 1,
            reports: 2,
            rated: 1,
            mean: Some(5.0),
            ..z
        };
        let planned = Row {
            people: 30,
            actions: 1,
            reports: 1,
            rated: 1,
            mean: Some(2.0),
            ..z
        };
        let other = Row {
            people: 112,
            held: 1,
            upcoming: 2,
            cancelled: 1,
            reports: 2,
            rated: 2,
            mean: Some(4.0),
            resources: 2,
            free: 1,
            loans: 2,
            days: 35,
            ..z
        };
        assert_eq!(
            status,
            BTreeMap::from([
                ("COMPLETED".into(), completed),
                ("IN_PROGRESS".into(), in_progress),
                ("PLANNED".into(), planned),
                ("-".into(), other)
            ]),
            "[{}]",
            app.backend
        );

        let kind = by(&app, "RESOURCE_KIND", text("resourceKind")).await;
        let teaching = Row {
            people: 52,
            reports: 1,
            rated: 1,
            mean: Some(5.0),
            resources: 1,
            free: 1,
            loans: 2,
            days: 35,
            ..z
        };
        let video = Row { resources: 1, ..z };
        let none = Row {
            people: 225,
            actions: 3,
            held: 1,
            upcoming: 2,
            cancelled: 1,
            reports: 5,
            rated: 4,
            mean: Some(3.5),
            ..z
        };
        assert_eq!(
            kind,
            BTreeMap::from([
                ("TEACHING_KIT".into(), teaching),
                ("VIDEO".into(), video),
                ("-".into(), none)
            ]),
            "[{}]",
            app.backend
        );

        // By year: actions and resources are dated by their creation (this year, in Paris).
        let this_year = chrono::Utc::now().with_timezone(&chrono_tz::Europe::Paris).year();
        let mut expected: BTreeMap<String, Row> = BTreeMap::new();
        let mut add = |year: i32, r: Row| {
            let e = expected.entry(year.to_string()).or_default();
            e.people += r.people;
            e.actions += r.actions;
            e.held += r.held;
            e.upcoming += r.upcoming;
            e.cancelled += r.cancelled;
            e.reports += r.reports;
            e.rated += r.rated;
            e.resources += r.resources;
            e.free += r.free;
            e.loans += r.loans;
            e.days += r.days;
            // The mean is checked apart.
        };
        add(
            this_year,
            Row {
                people: 130,
                actions: 3,
                resources: 2,
                free: 1,
                ..z
            },
        );
        add(
            2026,
            Row {
                held: 1,
                loans: 1,
                days: 25,
                ..z
            },
        );
        add(
            2026,
            Row {
                people: 25 + 60 + 52,
                reports: 5,
                rated: 5,
                ..z
            },
        );
        add(
            2027,
            Row {
                people: 10,
                reports: 1,
                ..z
            },
        );
        add(2030, Row { cancelled: 1, ..z });
        add(2040, Row { upcoming: 1, ..z });
        add(
            2041,
            Row {
                upcoming: 1,
                loans: 1,
                days: 10,
                ..z
            },
        );
        let year = by(&app, "YEAR", |r| {
            r["year"].as_i64().map_or("-".into(), |y| y.to_string())
        })
        .await;
        let without_means: BTreeMap<String, Row> = year
            .iter()
            .map(|(k, r)| (k.clone(), Row { mean: None, ..*r }))
            .collect();
        assert_eq!(without_means, expected, "[{}]", app.backend);
        assert_eq!(year["2026"].mean, Some(19.0 / 5.0));

        // By month, in Paris: 31 March 2040 at 22:30 UTC is 1 April.
        let month = by(&app, "MONTH", |r| {
            format!("{}-{:02}", r["year"], r["month"].as_i64().unwrap_or(0))
        })
        .await;
        assert_eq!(
            month["2040-04"],
            Row { upcoming: 1, ..z },
            "[{}] {month:?}",
            app.backend
        );
        assert!(!month.contains_key("2040-03"), "[{}]", app.backend);
        assert_eq!(
            month["2026-06"],
            Row {
                people: 60,
                held: 1,
                reports: 1,
                rated: 1,
                mean: Some(3.0),
                ..z
            }
        );
        assert_eq!(
            month["2026-09"],
            Row {
                loans: 1,
                days: 25,
                ..z
            }
        );

        // Two dimensions at once.
        let rows = indicators(
            &app,
            Some(&app.admin_token.clone()),
            json!({}),
            json!(["REGION", "RESOURCE_KIND"]),
        )
        .await;
        let hdf_kit = rows
            .iter()
            .find(|r| r["region"] == "HAUTS_DE_FRANCE" && r["resourceKind"] == "TEACHING_KIT")
            .expect("a row");
        assert_eq!(
            row(hdf_kit),
            Row {
                people: 52,
                reports: 1,
                rated: 1,
                mean: Some(5.0),
                loans: 2,
                days: 35,
                ..z
            }
        );
        assert!(rows.iter().all(|r| r["year"].is_null() && r["audience"].is_null()));

        let refused = app
            .gql(
                "{ indicators(groupBy: [REGION, YEAR, AUDIENCE, ORGANISATION]) { actions } }",
                json!({}),
            )
            .await;
        assert_eq!(error_code(&refused), "BAD_USER_INPUT");
        app.stop().await;
    }
}

#[tokio::test]
async fn filters_narrow_every_figure() {
    for app in apps(false).await {
        let f = fixture(&app).await;
        let admin = Some(app.admin_token.clone());
        let admin = admin.as_deref();
        let z = Row::default();
        let only_b = total(&app, admin, json!({ "organisationIds": [f.b] })).await;
        assert_eq!(
            only_b,
            Row {
                people: 30,
                actions: 1,
                upcoming: 1,
                cancelled: 1,
                reports: 1,
                rated: 1,
                mean: Some(2.0),
                resources: 1,
                ..z
            },
            "[{}]",
            app.backend
        );
        let both = total(&app, admin, json!({ "organisationIds": [f.a, f.b] })).await;
        assert_eq!(both, ADMIN);
        let bfc = total(&app, admin, json!({ "regions": ["BOURGOGNE_FRANCHE_COMTE"] })).await;
        assert_eq!(bfc.people, 195);
        let either = total(&app, admin, json!({ "audiences": ["COLLEGE", "LYCEE"] })).await;
        let lycee = Row {
            people: 247,
            actions: 2,
            held: 1,
            reports: 5,
            rated: 4,
            mean: Some(4.25),
            resources: 1,
            free: 1,
            loans: 2,
            days: 35,
            ..z
        };
        assert_eq!(either, lycee, "[{}] records reaching one of the audiences", app.backend);
        let college = total(&app, admin, json!({ "audiences": ["COLLEGE"] })).await;
        assert_eq!(
            college,
            Row {
                people: 35,
                actions: 1,
                reports: 2,
                rated: 1,
                mean: Some(5.0),
                ..z
            },
            "[{}]",
            app.backend
        );
        // Days in Paris: e5 starts on 1 April there.
        let april = total(&app, admin, json!({ "from": "2040-04-01", "until": "2040-04-30" })).await;
        assert_eq!(april, Row { upcoming: 1, ..z }, "[{}]", app.backend);
        let march = total(&app, admin, json!({ "from": "2040-03-01", "until": "2040-03-31" })).await;
        assert_eq!(march, z, "[{}]", app.backend);
        let autumn = total(&app, admin, json!({ "from": "2026-09-01", "until": "2026-10-31" })).await;
        assert_eq!(
            autumn,
            Row {
                people: 52,
                reports: 1,
                rated: 1,
                mean: Some(5.0),
                loans: 1,
                days: 25,
                ..z
            }
        );
        let backwards = app
            .gql(
                "{ indicators(filter: { from: \"2027-02-01\", until: \"2027-01-01\" }) { actions } }",
                json!({}),
            )
            .await;
        assert_eq!(error_code(&backwards), "BAD_USER_INPUT");
        app.stop().await;
    }
}

async fn fetch(app: &TestApp, path: &str, token: Option<&str>) -> reqwest::Response {
    let mut req = app.client.get(format!("{}{path}", app.base));
    if let Some(token) = token {
        req = req.bearer_auth(token);
    }
    req.send().await.expect("sent")
}

#[tokio::test]
async fn the_csv_and_the_chart_are_served_in_french_then_english() {
    for app in apps(false).await {
        fixture(&app).await;
        let resp = fetch(&app, "/indicators.csv?groupBy=REGION", None).await;
        assert_eq!(resp.status(), 200);
        assert!(
            resp.headers()["content-type"]
                .to_str()
                .unwrap_or("")
                .starts_with("text/csv")
        );
        // As bytes: `text()` would drop the byte-order mark that tells Excel the file is UTF-8.
        let bytes = resp.bytes().await.expect("a body");
        let body = std::str::from_utf8(&bytes).expect("UTF-8");
        let body = body.strip_prefix('\u{feff}').expect("a byte-order mark");
        let mut reader = csv::Reader::from_reader(body.as_bytes());
        let headers: Vec<String> = reader.headers().expect("a header").iter().map(str::to_string).collect();
        assert_eq!(headers[0], "Région / Region");
        assert_eq!(headers[1], "Personnes sensibilisées / People reached");
        let rows: Vec<Vec<String>> = reader
            .records()
            .map(|r| r.expect("a row").iter().map(str::to_string).collect())
            .collect();
        let people: Vec<(&str, &str)> = rows.iter().map(|r| (r[0].as_str(), r[1].as_str())).collect();
        assert_eq!(
            people,
            [("Bourgogne-Franche-Comté", "195"), ("Hauts-de-France", "52")],
            "[{}]",
            app.backend
        );
        // The same parameters as the GraphQL field, under the caller's visibility.
        let admin = fetch(
            &app,
            "/indicators.csv?groupBy=region&region=hauts_de_france",
            Some(&app.admin_token),
        )
        .await;
        let text = admin.text().await.expect("a body");
        assert!(
            text.lines()
                .nth(1)
                .is_some_and(|l| l.starts_with("Hauts-de-France,82,")),
            "{text}"
        );
        let bad = fetch(&app, "/indicators.csv?groupBy=COLOUR", None).await;
        assert_eq!(bad.status(), 400);

        let resp = fetch(&app, "/indicators.svg?groupBy=REGION", None).await;
        assert_eq!(resp.status(), 200);
        assert!(
            resp.headers()["content-type"]
                .to_str()
                .unwrap_or("")
                .starts_with("image/svg+xml")
        );
        let svg = resp.text().await.expect("a body");
        let texts = svg_texts(&svg);
        for wanted in [
            "Personnes sensibilisées par région / People reached by region",
            "Personnes sensibilisées / People reached",
            "Région / Region",
            "Bourgogne-Franche-Comté",
            "Hauts-de-France",
        ] {
            assert!(
                texts.iter().any(|t| t == wanted),
                "[{}] {wanted:?} not in {texts:?}",
                app.backend
            );
        }
        let days = fetch(&app, "/indicators.svg?figure=loanDays&groupBy=YEAR", None).await;
        let texts = svg_texts(&days.text().await.expect("a body"));
        assert!(
            texts.iter().any(|t| t == "Jours de prêt par année / Loan-days by year"),
            "{texts:?}"
        );
        app.stop().await;
    }
}

/// The texts of an SVG document's elements, which must parse as XML.
fn svg_texts(svg: &str) -> Vec<String> {
    use quick_xml::events::Event;
    let mut reader = quick_xml::Reader::from_str(svg);
    let mut texts = Vec::new();
    let mut root = None;
    let mut current = String::new();
    loop {
        match reader.read_event().expect("the SVG parses as XML") {
            Event::Start(e) => {
                root.get_or_insert_with(|| e.name().as_ref().to_string());
                current.clear();
            }
            Event::Text(t) => current.push_str(&t),
            Event::GeneralRef(r) => {
                let entity = format!("&{};", &*r);
                current.push_str(&quick_xml::escape::unescape(&entity).expect("a known entity"));
            }
            Event::End(_) => {
                let text = current.trim().to_string();
                if !text.is_empty() {
                    texts.push(text);
                }
                current.clear();
            }
            Event::Eof => break,
            _ => {}
        }
    }
    assert_eq!(root.as_deref(), Some("svg"));
    texts
}

#[tokio::test]
async fn the_demo_answers_non_zero_indicators() {
    for app in apps(true).await {
        let totals = total(&app, None, json!({})).await;
        assert!(
            totals.people > 0 && totals.actions > 0 && totals.resources > 0,
            "[{}] {totals:?}",
            app.backend
        );
        assert!(
            totals.held > 0 && totals.loans > 0 && totals.days > 0 && totals.reports > 0,
            "{totals:?}"
        );
        let by_region = indicators(&app, None, json!({}), json!(["REGION"])).await;
        assert!(
            by_region
                .iter()
                .any(|r| r["region"] == "BOURGOGNE_FRANCHE_COMTE" && r["kitLoans"].as_i64() > Some(0)),
            "[{}] the schools borrowing the kits are placed by their postal codes: {by_region:?}",
            app.backend
        );
        app.stop().await;
    }
}
