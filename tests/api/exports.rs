//! Exports: the calendar (public and private links), the Atom feeds, the address book and the
//! CSV files, each read back with a parser other than the crate that wrote it.

use serde_json::json;

use crate::common::{self, TestApp, apps, error_code};

const LONG_DESCRIPTION: &str = "<p>Une journée pour découvrir les métiers de l'industrie : soudure, \
    robotique, maintenance, conception assistée par ordinateur, avec des ingénieures et des techniciennes.</p>\
    <ul><li>Visite d'atelier</li><li>Rencontre, échanges; questions</li></ul>";

async fn get(app: &TestApp, path: &str, token: Option<&str>, etag: Option<&str>) -> reqwest::Response {
    let mut req = app.client.get(format!("{}{path}", app.base));
    if let Some(token) = token {
        req = req.bearer_auth(token);
    }
    if let Some(etag) = etag {
        req = req.header("if-none-match", etag);
    }
    req.send().await.expect("the request is sent")
}

async fn body(app: &TestApp, path: &str, token: Option<&str>) -> String {
    let resp = get(app, path, token, None).await;
    assert_eq!(resp.status(), 200, "[{}] GET {path}", app.backend);
    resp.text().await.expect("a body")
}

fn header(resp: &reqwest::Response, name: &str) -> String {
    resp.headers()
        .get(name)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_string()
}

fn parse_calendar(text: &str) -> ical::parser::ical::component::IcalCalendar {
    let mut calendars = ical::IcalParser::new(text.as_bytes());
    let calendar = calendars.next().expect("one calendar").expect("a valid calendar");
    assert!(calendars.next().is_none(), "a single calendar");
    calendar
}

fn prop<'a>(props: &'a [ical::property::Property], name: &str) -> Option<&'a ical::property::Property> {
    props.iter().find(|p| p.name == name)
}

fn value(props: &[ical::property::Property], name: &str) -> String {
    prop(props, name).and_then(|p| p.value.clone()).unwrap_or_default()
}

fn param(property: &ical::property::Property, name: &str) -> Option<String> {
    property
        .params
        .as_ref()?
        .iter()
        .find(|(k, _)| k == name)
        .and_then(|(_, v)| v.first().cloned())
}

/// RFC 5545/6350 text unescaping (the `ical` crate hands values back as written).
fn unescape(raw: &str) -> String {
    let mut out = String::new();
    let mut chars = raw.chars();
    while let Some(c) = chars.next() {
        if c == '\\' {
            match chars.next() {
                Some('n' | 'N') => out.push('\n'),
                Some(other) => out.push(other),
                None => out.push('\\'),
            }
        } else {
            out.push(c);
        }
    }
    out
}

fn event_by_summary<'a>(
    calendar: &'a ical::parser::ical::component::IcalCalendar,
    summary: &str,
) -> Option<&'a ical::parser::ical::component::IcalEvent> {
    calendar
        .events
        .iter()
        .find(|e| unescape(&value(&e.properties, "SUMMARY")) == summary)
}

struct Agenda {
    org: String,
    timed: String,
}

const TIMED: &str = "Atelier robotique, soudure; et \\ code";

/// Events of every kind: timed in Paris (with `,;\` in its title), all-day, cancelled in
/// Montréal, a partners-only one, an organisation-only one, and a past one.
async fn agenda(app: &TestApp) -> Agenda {
    let org = common::organisation(app, "elles-bougent", "Elles Bougent", json!({})).await;
    let timed = common::event(
        app,
        json!({ "title": TIMED, "description": LONG_DESCRIPTION, "organiserId": org,
                "location": { "name": "Lycée Eiffel", "address": "1 rue de la Forge", "postalCode": "21000", "city": "Dijon" },
                "startsAt": "2030-03-10T09:00:00Z", "endsAt": "2030-03-10T11:00:00Z", "timezone": "Europe/Paris",
                "url": "https://example.org/atelier", "tags": ["robotique", "soudure"], "audiences": ["LYCEE"] }),
    )
    .await;
    common::event(
        app,
        json!({ "title": "Salon des métiers", "startsAt": "2030-04-01T22:00:00Z", "endsAt": "2030-04-03T22:00:00Z",
                "allDay": true, "timezone": "Europe/Paris", "tags": ["salon"] }),
    )
    .await;
    common::event(
        app,
        json!({ "title": "Webinaire annulé", "startsAt": "2030-07-01T16:00:00Z", "timezone": "America/Montreal",
                "status": "CANCELLED" }),
    )
    .await;
    common::event(
        app,
        json!({ "title": "Réunion des partenaires", "startsAt": "2030-05-01T08:00:00Z", "visibility": "PARTNERS" }),
    )
    .await;
    common::event(
        app,
        json!({ "title": "Comité interne", "startsAt": "2030-05-02T08:00:00Z", "visibility": "ORGANISATION",
                "organiserId": org }),
    )
    .await;
    common::event(
        app,
        json!({ "title": "Forum passé", "startsAt": "2020-01-15T09:00:00Z" }),
    )
    .await;
    Agenda { org, timed }
}

#[tokio::test]
async fn the_public_calendar_is_icalendar_with_zones_escapes_folds_and_statuses() {
    for app in apps(false).await {
        let a = agenda(&app).await;
        let resp = get(&app, "/calendar.ics", None, None).await;
        assert_eq!(resp.status(), 200);
        assert_eq!(header(&resp, "content-type"), "text/calendar; charset=utf-8");
        assert!(header(&resp, "cache-control").contains("max-age"));
        let etag = header(&resp, "etag");
        assert!(etag.starts_with('"'), "{etag}");
        let text = resp.text().await.expect("a body");

        // Lines end in CRLF, are at most 75 octets, and long ones are folded.
        assert!(text.ends_with("END:VCALENDAR\r\n"));
        for line in text.split("\r\n") {
            assert!(
                line.len() <= 75,
                "[{}] line of {} octets: {line}",
                app.backend,
                line.len()
            );
        }
        assert!(text.contains("\r\n "), "a folded line");
        assert!(
            text.contains(r"SUMMARY:Atelier robotique\, soudure\; et \\ code"),
            "{text}"
        );

        let calendar = parse_calendar(&text);
        assert_eq!(value(&calendar.properties, "X-WR-CALNAME"), "Passerelle");
        let titles: Vec<String> = calendar
            .events
            .iter()
            .map(|e| unescape(&value(&e.properties, "SUMMARY")))
            .collect();
        assert_eq!(
            titles,
            [TIMED, "Salon des métiers", "Webinaire annulé"],
            "[{}] public, upcoming, soonest first",
            app.backend
        );

        let timed = event_by_summary(&calendar, TIMED).expect("the timed event");
        let start = prop(&timed.properties, "DTSTART").expect("DTSTART");
        assert_eq!(param(start, "TZID").as_deref(), Some("Europe/Paris"));
        assert_eq!(start.value.as_deref(), Some("20300310T100000"));
        assert_eq!(value(&timed.properties, "DTEND"), "20300310T120000");
        assert_eq!(value(&timed.properties, "UID"), format!("{}@passerelle", a.timed));
        assert_eq!(value(&timed.properties, "STATUS"), "CONFIRMED");
        let description = unescape(&value(&timed.properties, "DESCRIPTION"));
        assert!(description.starts_with("Une journée pour découvrir"), "{description}");
        assert!(
            description.contains("\n- Rencontre, échanges; questions"),
            "{description}"
        );
        assert!(!description.contains('<'), "plain text: {description}");
        assert_eq!(
            unescape(&value(&timed.properties, "LOCATION")),
            "Lycée Eiffel, 1 rue de la Forge, 21000 Dijon"
        );
        assert_eq!(value(&timed.properties, "CATEGORIES"), "robotique,soudure");
        assert_eq!(value(&timed.properties, "URL"), "https://example.org/atelier");
        for name in ["DTSTAMP", "LAST-MODIFIED", "SEQUENCE"] {
            assert!(prop(&timed.properties, name).is_some(), "{name}");
        }

        let all_day = event_by_summary(&calendar, "Salon des métiers").expect("the all-day event");
        let start = prop(&all_day.properties, "DTSTART").expect("DTSTART");
        assert_eq!(param(start, "VALUE").as_deref(), Some("DATE"));
        assert_eq!(start.value.as_deref(), Some("20300402"));
        assert_eq!(value(&all_day.properties, "DTEND"), "20300404");

        let cancelled = event_by_summary(&calendar, "Webinaire annulé").expect("the cancelled event");
        assert_eq!(value(&cancelled.properties, "STATUS"), "CANCELLED");
        let start = prop(&cancelled.properties, "DTSTART").expect("DTSTART");
        assert_eq!(param(start, "TZID").as_deref(), Some("America/Montreal"));
        assert_eq!(start.value.as_deref(), Some("20300701T120000"));

        // One VTIMEZONE per zone used, with its offsets.
        let zones: Vec<String> = calendar
            .timezones
            .iter()
            .map(|z| value(&z.properties, "TZID"))
            .collect();
        assert_eq!(zones, ["America/Montreal", "Europe/Paris"]);
        let offsets = |zone: &ical::parser::ical::component::IcalTimeZone| -> Vec<String> {
            zone.transitions
                .iter()
                .map(|t| value(&t.properties, "TZOFFSETTO"))
                .collect()
        };
        assert!(
            offsets(&calendar.timezones[1]).contains(&"+0100".to_string()),
            "winter in Paris"
        );
        assert!(
            offsets(&calendar.timezones[0]).contains(&"-0400".to_string()),
            "summer in Montréal"
        );

        // Filters.
        let by_org = parse_calendar(&body(&app, "/calendar.ics?organisation=elles-bougent", None).await);
        assert_eq!(by_org.events.len(), 1);
        let by_id = parse_calendar(&body(&app, &format!("/calendar.ics?organisation={}", a.org), None).await);
        assert_eq!(by_id.events.len(), 1);
        let by_tag = parse_calendar(&body(&app, "/calendar.ics?tag=salon&limit=5", None).await);
        assert_eq!(by_tag.events.len(), 1);
        let bad = get(&app, "/calendar.ics?region=atlantis", None, None).await;
        assert_eq!(bad.status(), 400);

        // ETag: 304 while nothing changes; a change gives a new tag and a higher SEQUENCE.
        let unchanged = get(&app, "/calendar.ics", None, Some(&etag)).await;
        assert_eq!(unchanged.status(), 304);
        assert_eq!(header(&unchanged, "etag"), etag);
        let sequence: u32 = value(&timed.properties, "SEQUENCE").parse().expect("a number");
        tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
        app.data(
            "mutation($id: ID!) { updateEvent(id: $id, input: { url: \"https://example.org/atelier-2\" }) { event { id } } }",
            json!({ "id": a.timed }),
        )
        .await;
        let changed = get(&app, "/calendar.ics", None, Some(&etag)).await;
        assert_eq!(changed.status(), 200);
        assert_ne!(header(&changed, "etag"), etag);
        let calendar = parse_calendar(&changed.text().await.expect("a body"));
        let timed = event_by_summary(&calendar, TIMED).expect("the timed event");
        let after: u32 = value(&timed.properties, "SEQUENCE").parse().expect("a number");
        assert!(after > sequence, "{after} > {sequence}");
        app.stop().await;
    }
}

#[tokio::test]
async fn a_private_calendar_link_serves_its_creators_scope_until_revoked() {
    for app in apps(false).await {
        let a = agenda(&app).await;
        let member = app
            .account("membre@example.org", entity::Role::Member, Some(&a.org))
            .await;

        let anonymous = app
            .gql_as(None, "mutation { createCalendarSubscription { url } }", json!({}))
            .await;
        assert_eq!(error_code(&anonymous), "UNAUTHENTICATED");

        let created = app
            .gql_as(
                Some(&member),
                "mutation { createCalendarSubscription(name: \"Mon agenda, privé\", filter: { openToPublic: true }) { url subscription { id name createdAt lastUsedAt } } }",
                json!({}),
            )
            .await;
        assert!(created.get("errors").is_none(), "{created}");
        let url = created["data"]["createCalendarSubscription"]["url"]
            .as_str()
            .expect("a url")
            .to_string();
        let id = created["data"]["createCalendarSubscription"]["subscription"]["id"].clone();
        assert!(
            url.starts_with(&app.base) && url.contains("/calendar/psc_") && url.ends_with(".ics"),
            "{url}"
        );

        let resp = app.client.get(&url).send().await.expect("sent");
        assert_eq!(resp.status(), 200);
        assert!(header(&resp, "cache-control").starts_with("private"));
        let calendar = parse_calendar(&resp.text().await.expect("a body"));
        assert_eq!(
            unescape(&value(&calendar.properties, "X-WR-CALNAME")),
            "Mon agenda, privé"
        );
        for title in ["Réunion des partenaires", "Comité interne", TIMED] {
            assert!(
                event_by_summary(&calendar, title).is_some(),
                "[{}] {title}",
                app.backend
            );
        }

        // The same link as a query parameter.
        let token = url
            .rsplit('/')
            .next()
            .and_then(|f| f.strip_suffix(".ics"))
            .expect("a token");
        let by_param = parse_calendar(&body(&app, &format!("/calendar.ics?token={token}"), None).await);
        assert_eq!(by_param.events.len(), calendar.events.len());
        // A calendar token opens nothing else.
        let api = app.gql_as(Some(token), "{ me { id } }", json!({})).await;
        assert_eq!(error_code(&api), "UNAUTHENTICATED");

        let listed = app
            .gql_as(
                Some(&member),
                "{ calendarSubscriptions { id name lastUsedAt } }",
                json!({}),
            )
            .await;
        assert_eq!(listed["data"]["calendarSubscriptions"][0]["id"], id);
        assert!(
            listed["data"]["calendarSubscriptions"][0]["lastUsedAt"].is_string(),
            "{listed}"
        );

        // Someone else's link behaves as absent; its creator revokes it, and it is gone.
        let elsewhere = common::organisation(&app, "ailleurs", "Ailleurs", json!({})).await;
        let other = app
            .account("autre@example.org", entity::Role::Member, Some(&elsewhere))
            .await;
        let refused = app
            .gql_as(
                Some(&other),
                "mutation($id: ID!) { revokeCalendarSubscription(id: $id) { subscription { id } } }",
                json!({ "id": id }),
            )
            .await;
        assert_eq!(error_code(&refused), "NOT_FOUND");
        let revoked = app
            .gql_as(
                Some(&member),
                "mutation($id: ID!) { revokeCalendarSubscription(id: $id) { subscription { id } } }",
                json!({ "id": id }),
            )
            .await;
        assert!(revoked.get("errors").is_none(), "{revoked}");
        assert_eq!(app.client.get(&url).send().await.expect("sent").status(), 404);
        let none = app
            .gql_as(Some(&member), "{ calendarSubscriptions { id } }", json!({}))
            .await;
        assert_eq!(none["data"]["calendarSubscriptions"], json!([]));

        // A disabled creator's links stop working.
        let second = app
            .gql_as(
                Some(&other),
                "mutation { createCalendarSubscription { url } }",
                json!({}),
            )
            .await;
        let second_url = second["data"]["createCalendarSubscription"]["url"]
            .as_str()
            .expect("a url")
            .to_string();
        assert_eq!(app.client.get(&second_url).send().await.expect("sent").status(), 200);
        let me = app.gql_as(Some(&other), "{ me { id } }", json!({})).await;
        app.data(
            "mutation($id: ID!) { disableUser(userId: $id) { user { disabled } } }",
            json!({ "id": me["data"]["me"]["id"] }),
        )
        .await;
        assert_eq!(app.client.get(&second_url).send().await.expect("sent").status(), 404);
        assert_eq!(get(&app, "/calendar/psc_nonsense.ics", None, None).await.status(), 404);
        app.stop().await;
    }
}

async fn address_book(app: &TestApp) -> String {
    let org = common::organisation(app, "capital-filles", "Capital Filles", json!({})).await;
    for input in [
        json!({ "firstName": "Camille", "lastName": "Martin", "email": "camille.martin@example.org", "phone": "+33 1 23 45 67 89",
                "jobTitle": "Chargée de mission", "city": "Lyon", "organisationId": org, "visibility": "PARTNERS",
                "notes": "Disponible le mardi, le jeudi; pas le lundi\nDeuxième ligne", "tags": ["mentorat"] }),
        json!({ "firstName": "Inès", "lastName": "Benali", "email": "ines@example.org", "organisationId": org,
                "visibility": "ORGANISATION" }),
        json!({ "firstName": "Lou", "lastName": "=Durand", "visibility": "PUBLIC" }),
    ] {
        app.data(
            "mutation($input: CreateContactInput!) { createContact(input: $input) { contact { id } } }",
            json!({ "input": input }),
        )
        .await;
    }
    org
}

#[tokio::test]
async fn the_address_book_needs_a_caller_and_round_trips_through_another_parser() {
    for app in apps(false).await {
        let org = address_book(&app).await;
        let anonymous = get(&app, "/contacts.vcf", None, None).await;
        assert_eq!(anonymous.status(), 401);
        assert_eq!(header(&anonymous, "www-authenticate"), "Bearer");
        assert_eq!(get(&app, "/contacts.vcf", Some("pss_bad"), None).await.status(), 401);

        let resp = get(&app, "/contacts.vcf", Some(&app.admin_token), None).await;
        assert_eq!(resp.status(), 200);
        assert_eq!(header(&resp, "content-type"), "text/vcard; charset=utf-8");
        let text = resp.text().await.expect("a body");
        let cards: Vec<_> = ical::VcardParser::new(text.as_bytes())
            .map(|c| c.expect("a valid vCard"))
            .collect();
        assert_eq!(cards.len(), 3, "[{}] the admin sees every contact", app.backend);
        let camille = cards
            .iter()
            .find(|c| value(&c.properties, "FN") == "Camille Martin")
            .expect("Camille");
        assert_eq!(value(&camille.properties, "VERSION"), "4.0");
        assert_eq!(value(&camille.properties, "N"), "Martin;Camille;;;");
        assert_eq!(value(&camille.properties, "EMAIL"), "camille.martin@example.org");
        assert_eq!(value(&camille.properties, "TEL"), "+33 1 23 45 67 89");
        assert_eq!(value(&camille.properties, "ORG"), "Capital Filles");
        assert_eq!(value(&camille.properties, "TITLE"), "Chargée de mission");
        assert!(value(&camille.properties, "ADR").contains("Lyon"));
        assert_eq!(
            unescape(&value(&camille.properties, "NOTE")),
            "Disponible le mardi, le jeudi; pas le lundi\nDeuxième ligne"
        );
        assert!(value(&camille.properties, "UID").starts_with("urn:uuid:"));
        assert!(!value(&camille.properties, "REV").is_empty());

        // A member of another organisation sees partner contacts, not organisation-only ones.
        let elsewhere = common::organisation(&app, "ailleurs", "Ailleurs", json!({})).await;
        let member = app
            .account("membre@example.org", entity::Role::Member, Some(&elsewhere))
            .await;
        let text = body(&app, "/contacts.vcf", Some(&member)).await;
        let names: Vec<String> = ical::VcardParser::new(text.as_bytes())
            .map(|c| value(&c.expect("a valid vCard").properties, "FN"))
            .collect();
        assert!(names.contains(&"Camille Martin".to_string()), "{names:?}");
        assert!(!names.contains(&"Inès Benali".to_string()), "{names:?}");
        // An API key of the organisation sees its organisation-only contacts.
        let key = app
            .data(
                "mutation($org: ID!) { createApiKey(input: { organisationId: $org, name: \"crm\", scope: READ }) { secret } }",
                json!({ "org": org }),
            )
            .await["createApiKey"]["secret"]
            .as_str()
            .expect("a secret")
            .to_string();
        let text = body(&app, "/contacts.vcf?organisation=capital-filles", Some(&key)).await;
        assert_eq!(ical::VcardParser::new(text.as_bytes()).count(), 2);
        app.stop().await;
    }
}

#[tokio::test]
async fn atom_feeds_carry_public_events_and_resources() {
    for app in apps(false).await {
        agenda(&app).await;
        for (title, visibility) in [("Kit pédagogique", "PUBLIC"), ("Guide interne", "PARTNERS")] {
            app.data(
                "mutation($input: CreateResourceInput!) { createResource(input: $input) { resource { id } } }",
                json!({ "input": { "kind": "TEACHING_KIT", "title": title, "visibility": visibility,
                                   "description": "Un kit & des fiches", "url": "https://example.org/kit" } }),
            )
            .await;
        }
        let resp = get(&app, "/events.atom", None, None).await;
        assert_eq!(resp.status(), 200);
        assert_eq!(header(&resp, "content-type"), "application/atom+xml; charset=utf-8");
        let etag = header(&resp, "etag");
        let bytes = resp.bytes().await.expect("a body");
        let feed = feed_rs::parser::parse(&bytes[..]).expect("a valid Atom feed");
        let titles: Vec<String> = feed
            .entries
            .iter()
            .filter_map(|e| e.title.as_ref().map(|t| t.content.clone()))
            .collect();
        assert!(titles.contains(&TIMED.to_string()), "{titles:?}");
        assert!(titles.contains(&"[Annulé] Webinaire annulé".to_string()), "{titles:?}");
        assert!(
            !titles.iter().any(|t| t.contains("partenaires") || t.contains("Comité")),
            "{titles:?}"
        );
        assert_eq!(get(&app, "/events.atom", None, Some(&etag)).await.status(), 304);

        let bytes = get(&app, "/resources.atom", None, None)
            .await
            .bytes()
            .await
            .expect("a body");
        let feed = feed_rs::parser::parse(&bytes[..]).expect("a valid Atom feed");
        assert_eq!(feed.entries.len(), 1);
        let entry = &feed.entries[0];
        assert_eq!(
            entry.title.as_ref().map(|t| t.content.as_str()),
            Some("Kit pédagogique")
        );
        assert_eq!(
            entry.summary.as_ref().map(|t| t.content.as_str()),
            Some("Un kit & des fiches")
        );
        assert_eq!(entry.links[0].href, "https://example.org/kit");
        app.stop().await;
    }
}

/// Reads a CSV body, which must start with a UTF-8 byte-order mark.
async fn csv_body(resp: reqwest::Response) -> (Vec<String>, Vec<Vec<String>>) {
    assert_eq!(resp.status(), 200);
    let bytes = resp.bytes().await.expect("a body");
    let text = String::from_utf8(bytes.to_vec()).expect("UTF-8");
    read_csv(&text)
}

fn read_csv(text: &str) -> (Vec<String>, Vec<Vec<String>>) {
    let text = text.strip_prefix('\u{feff}').expect("a UTF-8 byte-order mark");
    let mut reader = csv::Reader::from_reader(text.as_bytes());
    let headers = reader.headers().expect("a header").iter().map(str::to_string).collect();
    let rows = reader
        .records()
        .map(|r| r.expect("a valid row").iter().map(str::to_string).collect())
        .collect();
    (headers, rows)
}

fn column(headers: &[String], name: &str) -> usize {
    headers.iter().position(|h| h == name).expect(name)
}

#[tokio::test]
async fn csv_exports_follow_visibility_and_neutralise_formulas() {
    for app in apps(false).await {
        agenda(&app).await;
        address_book(&app).await;
        common::event(
            &app,
            json!({ "title": "=HYPERLINK(\"http://evil\")", "startsAt": "2031-01-01T09:00:00Z" }),
        )
        .await;

        let resp = get(&app, "/events.csv", None, None).await;
        assert_eq!(resp.status(), 200);
        assert!(header(&resp, "content-type").starts_with("text/csv"));
        assert!(header(&resp, "content-disposition").contains("events.csv"));
        let (headers, rows) = csv_body(resp).await;
        assert_eq!(
            headers.join(","),
            "uid,title,description,location_name,address,postal_code,city,departement,region,starts_at,ends_at,all_day,\
             timezone,open_to_public,url,author,organiser,status,visibility,audiences,tags"
        );
        let title = column(&headers, "title");
        let titles: Vec<&str> = rows.iter().map(|r| r[title].as_str()).collect();
        assert!(titles.contains(&"'=HYPERLINK(\"http://evil\")"), "{titles:?}");
        assert!(
            titles.contains(&"Forum passé"),
            "the list, not just upcoming: {titles:?}"
        );
        assert!(!titles.contains(&"Réunion des partenaires"), "{titles:?}");
        let timed = rows.iter().find(|r| r[title] == TIMED).expect("the timed event");
        assert_eq!(timed[column(&headers, "starts_at")], "2030-03-10T10:00:00+01:00");
        assert_eq!(timed[column(&headers, "organiser")], "Elles Bougent");
        assert_eq!(timed[column(&headers, "tags")], "robotique|soudure");
        assert_eq!(timed[column(&headers, "audiences")], "lycee");
        let salon = rows
            .iter()
            .find(|r| r[title] == "Salon des métiers")
            .expect("the all-day event");
        assert_eq!(salon[column(&headers, "starts_at")], "2030-04-02");
        assert_eq!(salon[column(&headers, "ends_at")], "2030-04-03");
        assert_eq!(salon[column(&headers, "all_day")], "true");

        // Signed in, partner events appear; filters narrow.
        let (_, rows) = csv_body(get(&app, "/events.csv", Some(&app.admin_token), None).await).await;
        assert!(rows.iter().any(|r| r[title] == "Réunion des partenaires"));
        let (_, rows) = csv_body(
            get(
                &app,
                "/events.csv?organisation=elles-bougent&openToPublic=true",
                None,
                None,
            )
            .await,
        )
        .await;
        assert_eq!(rows.len(), 1);

        assert_eq!(get(&app, "/contacts.csv", None, None).await.status(), 401);
        let (headers, rows) = csv_body(get(&app, "/contacts.csv", Some(&app.admin_token), None).await).await;
        assert_eq!(
            headers.join(","),
            "uid,first_name,last_name,email,phone,organisation,role,postal_code,city,departement,region,audiences,tags,notes,visibility,consent_at"
        );
        let camille = rows.iter().find(|r| r[1] == "Camille").expect("Camille");
        assert_eq!(camille[column(&headers, "email")], "camille.martin@example.org");
        assert_eq!(camille[column(&headers, "phone")], "'+33 1 23 45 67 89");
        assert_eq!(camille[column(&headers, "organisation")], "capital-filles");
        assert_eq!(camille[column(&headers, "role")], "Chargée de mission");
        assert!(rows.iter().any(|r| r[2] == "'=Durand"));

        let (headers, rows) = csv_body(get(&app, "/resources.csv", None, None).await).await;
        assert_eq!(
            headers.join(","),
            "uid,title,kind,content,description,url,author,free_of_rights,licence,language,audiences,tags,organisation,visibility"
        );
        assert!(rows.is_empty());
        assert_eq!(
            get(&app, "/resources.csv?kind=nonsense", None, None).await.status(),
            400
        );
        app.stop().await;
    }
}

#[tokio::test]
/// « Add to my calendar »: one event as an iCalendar file, for whoever may see the event.
async fn one_event_is_a_calendar_file_for_those_who_may_see_it() {
    for app in apps(false).await {
        let org = common::organisation(&app, "cmq-test", "CMQ test", json!({})).await;
        let public = common::event(
        &app,
        json!({ "title": "Forum des métiers", "startsAt": "2027-03-08T09:00:00Z", "endsAt": "2027-03-08T12:00:00Z", "organiserId": org }),
    )
    .await;
        let partners = common::event(
        &app,
        json!({ "title": "Réunion des partenaires", "startsAt": "2027-03-09T09:00:00Z", "visibility": "PARTNERS", "organiserId": org }),
    )
    .await;
        let get = |id: &str, token: Option<&str>| {
            let mut req = app.client.get(format!("{}/events/{id}.ics", app.base));
            if let Some(token) = token {
                req = req.bearer_auth(token);
            }
            req.send()
        };
        let resp = get(&public, None).await.expect("sent");
        assert_eq!(resp.status(), 200);
        assert!(
            resp.headers()
                .get("content-disposition")
                .and_then(|v| v.to_str().ok())
                .is_some_and(|v| v.starts_with("attachment; filename=\"passerelle-")),
        );
        let body = resp.text().await.expect("a body");
        assert!(
            body.contains("SUMMARY:Forum des métiers") && body.matches("BEGIN:VEVENT").count() == 1,
            "{body}"
        );
        assert_eq!(get(&partners, None).await.expect("sent").status(), 404);
        let member = app
            .account("membre@example.org", entity::Role::Member, Some(&org))
            .await;
        let resp = get(&partners, Some(&member)).await.expect("sent");
        assert_eq!(resp.status(), 200);
        assert!(resp.text().await.expect("body").contains("Réunion des partenaires"));
        assert_eq!(get("not-an-id", None).await.expect("sent").status(), 404);
        assert_eq!(get(&public, Some("pss_bad_token")).await.expect("sent").status(), 401);
        app.stop().await;
    }
}
