//! Partner feeds over HTTP: every corpus file served by a local server and ingested with the
//! facts of `tests/fixtures/feeds/EXPECTED.md`; idempotent re-syncs, removals and
//! conditional GETs; a misbehaving server; the SSRF guard; access rules.

use chrono::{DateTime, FixedOffset, NaiveDate, Utc};
use entity::EventStatus;
use entity::event::{Column as C, Entity as Events, Model as Event};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};
use serde_json::json;

use crate::common::feed_server::{FeedServer, Reply, gzip};
use crate::common::{self, TestApp, apps, error_code, feed, organisation, sync};

const FIXTURES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/feeds");

fn fixture(name: &str) -> Vec<u8> {
    std::fs::read(format!("{FIXTURES}/{name}")).expect("the fixture exists")
}

fn at(rfc3339: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(rfc3339)
        .expect("a valid instant")
        .with_timezone(&Utc)
}

async fn events_of(app: &TestApp, feed_id: &str) -> Vec<Event> {
    Events::find()
        .filter(C::FeedId.eq(uuid::Uuid::parse_str(feed_id).expect("an id")))
        .order_by_asc(C::StartsAt)
        .all(app.db())
        .await
        .expect("events are read")
}

/// The one event titled `title` starting at `start`.
fn one<'a>(events: &'a [Event], title: &str, start: &str) -> &'a Event {
    let start = at(start);
    let found: Vec<&Event> = events
        .iter()
        .filter(|e| e.title == title && e.starts_at == start)
        .collect();
    assert_eq!(
        found.len(),
        1,
        "expected one {title:?} at {start}, found {}; titles: {:?}",
        found.len(),
        events
            .iter()
            .map(|e| (&e.title, e.starts_at))
            .take(40)
            .collect::<Vec<_>>()
    );
    found[0]
}

fn titled<'a>(events: &'a [Event], title: &str) -> Vec<&'a Event> {
    events.iter().filter(|e| e.title == title).collect()
}

/// The local date and UTC offset of an instant in the event's own zone.
fn local(e: &Event, instant: DateTime<Utc>) -> DateTime<FixedOffset> {
    let tz: chrono_tz::Tz = e.timezone.parse().expect("an IANA zone");
    instant.with_timezone(&tz).fixed_offset()
}

fn starts_in(events: &[&Event], from: &str, to: &str) -> Vec<DateTime<Utc>> {
    let (from, to) = (at(from), at(to));
    let mut starts: Vec<_> = events
        .iter()
        .map(|e| e.starts_at)
        .filter(|s| *s >= from && *s < to)
        .collect();
    starts.sort();
    starts
}

/// Every corpus file, its content type as a server would send it, and extra feed settings.
const CORPUS: &[(&str, &str)] = &[
    ("ics-apple-macos-status-tentative-cancelled.ics", "text/calendar"),
    ("ics-exchange-owa-nonstandard-quoted-tzid.ics", "text/calendar"),
    ("ics-exchange-windows-timezone-names.ics", "text/calendar"),
    (
        "ics-google-biweekly-exdate-list-folded.ics",
        "text/calendar; charset=utf-8",
    ),
    ("ics-google-weekly-rrule-apple-structured-location.ics", "text/calendar"),
    ("ics-google-yearly-rrule-exdate-recurrence-id-crlf.ics", "text/calendar"),
    ("ics-meetup-folded-escaped-vtimezone.ics", "text/calendar"),
    ("ics-outlook12-allday-holidays-crlf.ics", "application/octet-stream"),
    ("ics-sixt-french-accents-unfolded-long-lines.ics", "text/calendar"),
    (
        "ics-tec-wordpress-ecp4-glwa-tzid-without-vtimezone.ics",
        "text/calendar",
    ),
    ("ics-thunderbird-recurrence-id-overrides-crlf.ics", "text/calendar"),
    ("ics-tripit-escaped-commas-semicolons.ics", "text/plain"),
    ("ics-wordpress-ai1ec-fablab-german-crlf.ics", "text/calendar"),
    ("atom-movabletype-feedburner.xml", "application/atom+xml"),
    ("jsonfeed-v1-spec-example.json", "application/feed+json"),
    ("rss2-wordpress-whitespace-padded-link-guid.xml", "application/rss+xml"),
    ("json-openagenda-v2-events-list-multilingual.json", "application/json"),
    ("json-tec-rest-api-single-event-hacc.json", "application/json"),
    (
        "html-songkick-musicevent-jsonld-single.html",
        "text/html; charset=utf-8",
    ),
    ("html-tec-list-view-jsonld-3-events.html", "text/html"),
    ("html-tec-month-view-jsonld-7-events.html", "text/html"),
    ("html-tec-single-event-jsonld-hacc.html", "text/html"),
    ("csv-meetings-chi-animal-small.csv", "text/csv"),
    ("csv-meetings-chi-buildings-crlf-quoted-commas.csv", "text/csv"),
];

#[tokio::test]
async fn every_corpus_file_is_ingested_with_the_expected_facts() {
    let server = FeedServer::start().await;
    for (name, content_type) in CORPUS {
        server.set(&format!("/{name}"), Reply::file(content_type, fixture(name)));
    }
    // Every file of the corpus folder is in the list above.
    let listed: std::collections::BTreeSet<&str> = CORPUS.iter().map(|(n, _)| *n).collect();
    for entry in std::fs::read_dir(FIXTURES).expect("the fixtures folder") {
        let name = entry.expect("an entry").file_name().to_string_lossy().to_string();
        if !name.ends_with(".md") {
            assert!(listed.contains(name.as_str()), "{name} is not tested");
        }
    }
    for app in apps(false).await {
        let org = organisation(&app, "glwa", "Great Lakes", json!({})).await;
        let mut feeds = std::collections::HashMap::new();
        for (name, _) in CORPUS {
            // Blog feeds carry no event dates: take them at their publication date.
            let extra = if name.starts_with("atom") || name.starts_with("rss") || name.starts_with("jsonfeed") {
                json!({ "usePublicationDate": true })
            } else {
                json!({})
            };
            let id = feed(&app, &org, &server.url(&format!("/{name}")), extra).await;
            let (run, state) = sync(&app, &id).await;
            assert_eq!(run["outcome"], "SUCCESS", "[{}] {name}: {run:#}", app.backend);
            assert_eq!(run["httpStatus"], 200);
            assert_eq!(state["status"], "OK");
            let (created, seen) = (
                run["created"].as_i64().unwrap_or(0),
                run["itemsSeen"].as_i64().unwrap_or(0),
            );
            assert!(created > 0 && created <= seen, "{name}: {run}");
            feeds.insert(*name, (id, run));
        }
        let of = async |name: &str| events_of(&app, &feeds[name].0).await;

        // The Events Calendar 4.6 export: TZID without VTIMEZONE.
        let ev = of("ics-tec-wordpress-ecp4-glwa-tzid-without-vtimezone.ics").await;
        assert_eq!(ev.len(), 7);
        let legal = one(&ev, "Legal Committee Meeting (Cancelled)", "2018-06-27T13:00:00-04:00");
        assert_eq!(legal.ends_at, Some(at("2018-06-27T14:00:00-04:00")));
        assert_eq!(legal.timezone, "America/Detroit");
        assert_eq!(
            legal.source_uid.as_deref(),
            Some("6693-1530104400-1530108000@www.glwater.org")
        );
        assert_eq!(
            legal.url.as_deref(),
            Some("http://www.glwater.org/event/legal-committee-meeting-7/")
        );
        assert_eq!(
            legal.location_name.as_deref(),
            Some("735 Randolph, 5th Floor Board Room, Detroit,, MI, 48226")
        );
        let board = one(&ev, "GLWA Board Meeting", "2018-07-25T18:00:00-04:00");
        assert_eq!(board.ends_at, Some(at("2018-07-25T20:00:00-04:00")));
        assert_eq!(
            board.location_name.as_deref(),
            Some("300 E. Nine Mile Road, Ferndale, MI, 48220")
        );
        assert_eq!(ev.last().map(|e| e.title.as_str()), Some("GLWA Board Meeting"));
        assert!(
            ev.iter().all(|e| e.status == EventStatus::Scheduled),
            "no STATUS anywhere"
        );

        // Google yearly rule with EXDATE and a RECURRENCE-ID override.
        let ev = of("ics-google-yearly-rrule-exdate-recurrence-id-crlf.ics").await;
        let vespers = titled(&ev, "Vespers for the Feast of St. Joseph");
        assert_eq!(
            starts_in(&vespers, "2014-01-01T00:00:00-08:00", "2020-01-01T00:00:00-08:00"),
            vec![
                at("2014-08-01T18:30:00-07:00"),
                at("2015-08-01T19:00:00-07:00"),
                at("2017-08-01T19:00:00-07:00"),
                at("2018-08-01T19:00:00-07:00"),
                at("2019-08-01T19:00:00-07:00"),
            ]
        );
        let moved = one(&ev, "Vespers for the Feast of St. Joseph", "2014-08-01T18:30:00-07:00");
        assert_eq!(moved.ends_at, Some(at("2014-08-01T19:30:00-07:00")));

        // Google biweekly rule with a folded EXDATE list.
        let ev = of("ics-google-biweekly-exdate-list-folded.ics").await;
        let series = titled(&ev, "Example of comma-separated exdates");
        assert_eq!(series.len(), 21);
        assert_eq!(series[0].starts_at, at("2017-02-16T09:00:00-06:00"));
        assert_eq!(series[0].ends_at, Some(at("2017-02-16T19:00:00-06:00")));
        assert_eq!(series[20].starts_at, at("2017-07-31T09:00:00-05:00"));
        assert_eq!(
            starts_in(&series, "2017-07-01T00:00:00-05:00", "2017-09-01T00:00:00-05:00"),
            vec![at("2017-07-03T09:00:00-05:00"), at("2017-07-31T09:00:00-05:00")]
        );
        for gone in ["2017-07-06", "2017-07-17", "2017-07-20", "2017-08-03"] {
            let day = NaiveDate::parse_from_str(gone, "%Y-%m-%d").expect("a date");
            assert!(
                series.iter().all(|e| local(e, e.starts_at).date_naive() != day),
                "{gone} was excluded"
            );
        }
        assert!(!titled(&ev, "Example of exdate with bad times").is_empty());

        // Weekly rule across the end of DST, with an Apple structured location.
        let ev = of("ics-google-weekly-rrule-apple-structured-location.ics").await;
        let sync_ = titled(&ev, "Daily Sync");
        assert_eq!(
            starts_in(&sync_, "2016-10-28T00:00:00+02:00", "2016-11-05T00:00:00+01:00"),
            vec![
                at("2016-10-28T14:00:00+02:00"),
                at("2016-10-31T14:00:00+01:00"),
                at("2016-11-01T14:00:00+01:00"),
                at("2016-11-02T14:00:00+01:00"),
                at("2016-11-03T14:00:00+01:00"),
                at("2016-11-04T14:00:00+01:00"),
            ]
        );
        assert_eq!(
            sync_[0].location_name.as_deref(),
            Some("Roadstar 16\n12764 Happyville\nDenmark")
        );
        assert_eq!(sync_[0].timezone, "Europe/Zurich");

        // Outlook all-day holidays.
        let ev = of("ics-outlook12-allday-holidays-crlf.ics").await;
        assert_eq!(ev.len(), 159);
        assert!(ev.iter().all(|e| e.all_day));
        let uid = |u: &str| ev.iter().find(|e| e.source_uid.as_deref() == Some(u)).expect("the uid");
        let new_year = uid("7");
        assert_eq!(new_year.title, "Germany: New Years Day");
        assert_eq!(
            local(new_year, new_year.starts_at).format("%F %T").to_string(),
            "2008-01-01 00:00:00"
        );
        assert_eq!(
            new_year
                .ends_at
                .map(|e| local(new_year, e).format("%F").to_string())
                .as_deref(),
            Some("2008-01-02")
        );
        let stephen = uid("22693");
        assert_eq!(stephen.title, "Germany: St. Stephen's Day");
        assert_eq!(local(stephen, stephen.starts_at).date_naive().to_string(), "2020-12-26");
        let epiphany = uid("32");
        assert_eq!(epiphany.title, "Germany: Epiphany");
        assert_eq!(
            local(epiphany, epiphany.starts_at).date_naive().to_string(),
            "2008-01-06"
        );
        assert!(
            epiphany
                .description
                .as_deref()
                .is_some_and(|d| d.starts_with("Baden-Württemberg, Bavaria, Saxony-Anhalt.")),
            "{:?}",
            epiphany.description
        );

        // Exchange / OWA: no UID, Windows display names as TZID.
        let ev = of("ics-exchange-owa-nonstandard-quoted-tzid.ics").await;
        let syd = one(&ev, "TEST Syd", "2020-10-28T13:30:00+11:00");
        assert_eq!(syd.ends_at, Some(at("2020-10-28T15:00:00+11:00")));
        assert_eq!(syd.timezone, "Australia/Sydney");
        let test = one(&ev, "TEST", "2020-10-28T13:30:00-04:00");
        assert_eq!(test.timezone, "America/New_York");
        one(&ev, "TEST 3", "2020-11-02T13:30:00-05:00");
        let test2 = titled(&ev, "TEST2");
        assert!(test2.len() > 10, "TEST2 recurs on Thursdays and Fridays");
        let weekday = |e: &&Event| local(e, e.starts_at).format("%a").to_string();
        assert!(
            test2
                .iter()
                .skip(1)
                .all(|e| ["Thu", "Fri"].contains(&weekday(e).as_str()))
        );
        let uids: std::collections::HashSet<_> = ev.iter().map(|e| e.source_uid.clone()).collect();
        assert_eq!(uids.len(), ev.len(), "generated ids are unique");

        // Exchange: Windows zone names defined by VTIMEZONEs.
        let ev = of("ics-exchange-windows-timezone-names.ics").await;
        let t = one(&ev, "test", "2020-09-10T09:00:00+02:00");
        assert_eq!(t.ends_at, Some(at("2020-09-10T09:30:00+02:00")));
        let s1 = one(&ev, "Not the actual summary 1", "2020-09-15T08:30:00-07:00");
        assert_eq!(s1.ends_at, Some(at("2020-09-15T09:30:00-07:00")));
        let either = titled(&ev, "Not the actual summary either");
        assert!(!either.is_empty());
        assert!(
            either
                .iter()
                .all(|e| e.location_name.as_deref() == Some("https://bluejeans.com/7999979999"))
        );
        for gone in [
            "2020-07-21",
            "2020-07-23",
            "2020-07-28",
            "2020-08-13",
            "2020-08-25",
            "2020-09-03",
        ] {
            let day = NaiveDate::parse_from_str(gone, "%Y-%m-%d").expect("a date");
            assert!(
                either.iter().all(|e| local(e, e.starts_at).date_naive() != day),
                "{gone} was excluded"
            );
        }
        assert!(
            either
                .iter()
                .all(|e| ["Tue", "Thu", "Fri", "Sun"].contains(&weekday(e).as_str())
                    && local(e, e.starts_at).format("%H:%M").to_string() == "12:00")
        );
        // The DTSTART without a value is reported or recovered from, never a crash.
        let jira = titled(&ev, "Log Yesterday's Jira time");
        let warnings = feeds["ics-exchange-windows-timezone-names.ics"].1["warnings"].to_string();
        assert!(!jira.is_empty() || warnings.contains("Jira"), "{warnings}");

        // Meetup: folds, escapes, VTIMEZONE.
        let ev = of("ics-meetup-folded-escaped-vtimezone.ics").await;
        assert_eq!(ev.len(), 1);
        let meetup = one(
            &ev,
            "Phoenix Drupal User Group Monthly Meetup",
            "2011-11-09T19:00:00-07:00",
        );
        assert_eq!(meetup.ends_at, Some(at("2011-11-09T21:00:00-07:00")));
        assert_eq!(meetup.source_uid.as_deref(), Some("event_nsmxnyppbfc@meetup.com"));
        assert_eq!(
            meetup.url.as_deref(),
            Some("http://www.meetup.com/Phoenix-Drupal-User-Group/events/33627272/")
        );
        assert_eq!(
            meetup.location_name.as_deref(),
            Some("Open Source Project Tempe (1415 E University Dr. #103A, Tempe, AZ 85281)")
        );
        assert!(
            meetup.description.as_deref().is_some_and(|d| d.starts_with(
                "Phoenix Drupal User Group\nWednesday, November 9 at 7:00 PM\n\nCustomizing node display"
            )),
            "{:?}",
            meetup.description
        );

        // Apple: STATUS values.
        let ev = of("ics-apple-macos-status-tentative-cancelled.ics").await;
        assert_eq!(ev.len(), 4);
        let tentative = one(&ev, "Tentative", "2022-07-04T23:00:00Z");
        assert_eq!(tentative.ends_at, Some(at("2022-07-04T23:50:00Z")));
        let confirmed = one(&ev, "Confirmed", "2022-07-05T09:00:00-07:00");
        assert_eq!(confirmed.status, EventStatus::Scheduled);
        let cancelled = one(&ev, "Cancelled", "2022-07-06T13:00:00-07:00");
        assert_eq!(cancelled.status, EventStatus::Cancelled);
        assert_eq!(
            one(&ev, "No Status", "2022-07-07T09:00:00-07:00").status,
            EventStatus::Scheduled
        );

        // All-in-One Event Calendar: German text, monthly rule, partial VTIMEZONE.
        let ev = of("ics-wordpress-ai1ec-fablab-german-crlf.ics").await;
        let closed = titled(&ev, "Lab geschlossen: Wir sind auf dem Karlstraßenfest");
        assert_eq!(closed.len(), 1);
        assert!(closed[0].all_day);
        assert_eq!(
            local(closed[0], closed[0].starts_at).date_naive().to_string(),
            "2018-06-09"
        );
        assert_eq!(closed[0].location_name.as_deref(), Some("Karlstraßenfest"));
        let repair = titled(&ev, "Repair Café");
        assert_eq!(
            starts_in(&repair, "2018-01-01T00:00:00+01:00", "2018-07-01T00:00:00+02:00"),
            vec![
                at("2018-01-06T14:00:00+01:00"),
                at("2018-02-03T14:00:00+01:00"),
                at("2018-03-03T14:00:00+01:00"),
                at("2018-04-07T14:00:00+02:00"),
                at("2018-05-05T14:00:00+02:00"),
                at("2018-06-02T14:00:00+02:00"),
            ]
        );
        assert_eq!(
            repair[0].location_name.as_deref(),
            Some("FabLab Cottbus @ Walther-Pauer-Straße 5, 03044 Cottbus, Deutschland")
        );
        let uids: std::collections::HashSet<_> = ev
            .iter()
            .filter_map(|e| e.source_uid.as_deref())
            .map(|u| u.split('#').next().unwrap_or(u))
            .collect();
        assert_eq!(uids.len(), 28, "28 VEVENTs");

        // Sixt: French accents, a VFREEBUSY with a broken ORGANIZER.
        let ev = of("ics-sixt-french-accents-unfolded-long-lines.ics").await;
        assert_eq!(ev.len(), 1);
        let sixt = one(&ev, "Sixt : détails de votre réservation", "2019-06-24T06:30:00Z");
        assert_eq!(sixt.ends_at, Some(at("2019-06-24T16:30:00Z")));
        assert_eq!(sixt.source_uid.as_deref(), Some("SIXT_9879691160"));
        assert_eq!(
            sixt.location_name.as_deref(),
            Some("Sixt Genève Aéroport secteur France, AP de Genève Cointrin Sect(F), 01210 Ferney-Voltaire, FR")
        );

        // TripIt: escaped commas and semicolons, floating times.
        let ev = of("ics-tripit-escaped-commas-semicolons.ics").await;
        assert_eq!(ev.len(), 47);
        assert_eq!(ev.iter().filter(|e| e.all_day).count(), 6);
        let trip = titled(&ev, "South San Francisco, CA, October 2011;");
        assert_eq!(trip.len(), 1);
        assert!(trip[0].all_day);
        assert_eq!(local(trip[0], trip[0].starts_at).date_naive().to_string(), "2011-10-11");
        assert_eq!(
            trip[0]
                .ends_at
                .map(|e| local(trip[0], e).date_naive().to_string())
                .as_deref(),
            Some("2011-10-14")
        );
        assert_eq!(trip[0].location_name.as_deref(), Some("South San Francisco, CA"));
        // Floating times are read in the feed's zone (Europe/Paris by default).
        let directions = one(
            &ev,
            "Directions from SFO to Embassy Suites San Francisco Airport - South San Francisco",
            "2011-10-11T10:05:00+02:00",
        );
        assert_eq!(directions.ends_at, Some(at("2011-10-11T11:05:00+02:00")));
        let flight = one(&ev, "US403 PHX to SFO", "2011-10-11T14:45:00Z");
        assert_eq!(flight.ends_at, Some(at("2011-10-11T16:55:00Z")));

        // Thunderbird: RECURRENCE-ID overrides that move and rename instances.
        let ev = of("ics-thunderbird-recurrence-id-overrides-crlf.ics").await;
        let march: Vec<(String, DateTime<Utc>, Option<DateTime<Utc>>)> = ev
            .iter()
            .filter(|e| e.starts_at >= at("2019-03-01T00:00:00+01:00") && e.starts_at < at("2019-04-01T00:00:00+02:00"))
            .map(|e| (e.title.clone(), e.starts_at, e.ends_at))
            .collect();
        let expected = [
            ("New Event", "2019-03-07T02:00:00+01:00", "2019-03-07T03:00:00+01:00"),
            ("New Event", "2019-03-08T01:00:00+01:00", "2019-03-08T02:00:00+01:00"),
            ("New Event", "2019-03-09T03:00:00+01:00", "2019-03-09T04:00:00+01:00"),
            ("New Event", "2019-03-10T02:00:00+01:00", "2019-03-10T03:00:00+01:00"),
            ("test7", "2019-03-18T04:00:00+01:00", "2019-03-18T05:00:00+01:00"),
            (
                "test7 - edited",
                "2019-03-19T04:00:00+01:00",
                "2019-03-19T05:00:00+01:00",
            ),
            ("test7", "2019-03-20T04:00:00+01:00", "2019-03-20T05:00:00+01:00"),
        ];
        assert_eq!(
            march,
            expected
                .iter()
                .map(|(t, s, e)| (t.to_string(), at(s), Some(at(e))))
                .collect::<Vec<_>>()
        );
        assert_eq!(
            one(&ev, "test7 - edited", "2019-03-19T04:00:00+01:00")
                .location_name
                .as_deref(),
            Some("location")
        );

        // Blog feeds, taken at their publication date.
        let ev = of("rss2-wordpress-whitespace-padded-link-guid.xml").await;
        assert_eq!(ev.len(), 1);
        let quake = one(
            &ev,
            "Minor earthquake, 3.5 mag was detected near Aris in Greece",
            "2019-08-06T05:01:15Z",
        );
        let link =
            "http://www.earthquakenewstoday.com/2019/08/06/minor-earthquake-3-5-mag-was-detected-near-aris-in-greece/";
        assert_eq!(quake.url.as_deref(), Some(link));
        assert_eq!(quake.source_uid.as_deref(), Some(link));
        let ev = of("atom-movabletype-feedburner.xml").await;
        assert_eq!(ev.len(), 1);
        let post = one(
            &ev,
            "Time to Transfer Risk: Why Security Complexity & VPNs Are No Longer Sustainable",
            "2019-07-30T16:00:00Z",
        );
        assert_eq!(post.source_uid.as_deref(), Some("tag:blogs.akamai.com,2019://2.3337"));
        assert_eq!(
            post.url.as_deref(),
            Some(
                "https://blogs.akamai.com/2019/07/time-to-transfer-risk-why-security-complexity-vpns-are-no-longer-sustainable.html"
            )
        );
        let ev = of("jsonfeed-v1-spec-example.json").await;
        assert_eq!(ev.len(), 1);
        let post = one(&ev, "Announcing JSON Feed", "2017-05-17T08:02:12-07:00");
        assert_eq!(
            post.url.as_deref(),
            Some("https://jsonfeed.org/2017/05/17/announcing_json_feed")
        );
        assert_eq!(
            post.source_uid.as_deref(),
            Some("https://jsonfeed.org/2017/05/17/announcing_json_feed")
        );

        // OpenAgenda v2: multilingual fields, first and last timings.
        let ev = of("json-openagenda-v2-events-list-multilingual.json").await;
        let mine = one(&ev, "Mon évènement", "2025-01-06T11:00:00+01:00");
        assert_eq!(mine.ends_at, Some(at("2025-01-06T15:00:00+01:00")));
        one(&ev, "Mon évènement", "2025-01-06T15:00:00+01:00");
        assert!(mine.source_uid.as_deref().is_some_and(|u| u.starts_with("9906334")));
        assert_eq!(mine.location_name.as_deref(), Some("My location"));
        assert!(
            mine.address
                .as_deref()
                .is_some_and(|a| a.contains("122 rue de Charonne"))
        );
        assert_eq!(mine.latitude, Some(48.854969));
        assert_eq!(mine.longitude, Some(2.386696));

        // The Events Calendar REST API, and the same event as JSON-LD in its page.
        let ev = of("json-tec-rest-api-single-event-hacc.json").await;
        assert_eq!(ev.len(), 1);
        let camp = one(
            &ev,
            "Entrepreneurship Boot Camp Session 2, Marketing Plan",
            "2018-05-11T15:00:00Z",
        );
        assert_eq!(camp.ends_at, Some(at("2018-05-11T17:00:00Z")));
        assert_eq!(camp.timezone, "America/Chicago");
        assert!(!camp.all_day);
        assert_eq!(camp.source_uid.as_deref(), Some("2644"));
        assert_eq!(
            camp.url.as_deref(),
            Some("http://thehacc.org/event/entrepreneurship-boot-camp-session-2-marketing-analysis/")
        );
        assert_eq!(camp.location_name.as_deref(), Some("Turlington West Community Room"));
        assert_eq!(camp.postal_code.as_deref(), Some("60426"));
        assert_eq!(camp.city.as_deref(), Some("Harvey"));
        assert!(
            camp.address
                .as_deref()
                .is_some_and(|a| a.contains("15306 S. Robey Ave."))
        );
        assert_eq!(camp.organiser_name.as_deref(), Some("Family Self Sufficiency"));
        assert_eq!(camp.tags.0, vec!["fss event".to_string()]);
        let ev = of("html-tec-single-event-jsonld-hacc.html").await;
        assert_eq!(ev.len(), 1);
        let camp = one(
            &ev,
            "Entrepreneurship Boot Camp Session 2, Marketing Plan",
            "2018-05-11T15:00:00Z",
        );
        assert_eq!(camp.ends_at, Some(at("2018-05-11T17:00:00Z")));
        assert_eq!(camp.location_name.as_deref(), Some("Turlington West Community Room"));

        // JSON-LD month view: the same 7 events as the iCalendar export.
        let ev = of("html-tec-month-view-jsonld-7-events.html").await;
        assert_eq!(ev.len(), 7);
        let legal = one(&ev, "Legal Committee Meeting (Cancelled)", "2018-06-27T13:00:00-04:00");
        assert_eq!(legal.ends_at, Some(at("2018-06-27T14:00:00-04:00")));
        assert_eq!(legal.location_name.as_deref(), Some("Water Board Building"));
        let ical = of("ics-tec-wordpress-ecp4-glwa-tzid-without-vtimezone.ics").await;
        let pairs = |v: &[Event]| {
            let mut p: Vec<_> = v.iter().map(|e| (e.title.clone(), e.starts_at, e.ends_at)).collect();
            p.sort();
            p
        };
        assert_eq!(pairs(&ev), pairs(&ical), "event for event");
        let board = one(&ev, "GLWA Board Meeting", "2018-07-25T18:00:00-04:00");
        assert_eq!(board.location_name.as_deref(), Some("Ferndale City Hall"));

        // JSON-LD list view: a Yoast @graph block and an array of 3 events.
        let ev = of("html-tec-list-view-jsonld-3-events.html").await;
        assert_eq!(ev.len(), 3);
        let hacc = one(
            &ev,
            "Housing Authority of Cook County Board Meeting",
            "2019-10-17T14:00:00-05:00",
        );
        assert_eq!(hacc.ends_at, Some(at("2019-10-17T16:00:00-05:00")));
        assert_eq!(hacc.location_name.as_deref(), Some("HACC Downtown"));
        assert!(
            hacc.address
                .as_deref()
                .is_some_and(|a| a.contains("175 W Jackson Blvd"))
        );
        let nuts = one(
            &ev,
            "Landlord Workshop – Nuts and Bolts of the HCV Program",
            "2019-10-10T13:00:00-05:00",
        );
        assert_eq!(nuts.ends_at, Some(at("2019-10-10T14:30:00-05:00")));
        assert_eq!(nuts.location_name.as_deref(), Some("Turlington West Apts."));
        let hqs = one(&ev, "Landlord Workshop – HQS Inspections", "2019-10-24T13:00:00-05:00");
        assert_eq!(hqs.ends_at, Some(at("2019-10-24T14:30:00-05:00")));

        // Songkick: a MusicEvent, offset without a colon, no end.
        let ev = of("html-songkick-musicevent-jsonld-single.html").await;
        assert_eq!(ev.len(), 1);
        let tove = one(&ev, "Tove Styrke", "2017-06-12T19:00:00Z");
        assert_eq!(tove.ends_at, None);
        assert_eq!(tove.location_name.as_deref(), Some("Hoxton Square Bar & Kitchen"));
        assert!(tove.address.as_deref().is_some_and(|a| a.contains("2-4 Hoxton Square")));

        // City Bureau CSV exports.
        let ev = of("csv-meetings-chi-buildings-crlf-quoted-commas.csv").await;
        assert_eq!(ev.len(), 20);
        let first = one(&ev, "Board Meeting – March 13, 2018", "2018-03-13T14:30:00-05:00");
        assert_eq!(first.ends_at, Some(at("2018-03-13T15:30:00-05:00")));
        assert_eq!(first.timezone, "America/Chicago");
        assert!(!first.all_day);
        assert_eq!(
            first.location_name.as_deref(),
            Some("Second Floor Board Room, Richard J. Daley Center")
        );
        assert_eq!(
            first.address.as_deref(),
            Some("50 W. Washington Street Chicago, IL 60602")
        );
        assert_eq!(
            first.source_uid.as_deref(),
            Some("chi_buildings/201803131430/x/board_meeting_march_13_2018")
        );
        let ev = of("csv-meetings-chi-animal-small.csv").await;
        assert_eq!(ev.len(), 5);
        let commission = one(&ev, "Commission meeting", "2018-03-15T08:30:00-05:00");
        assert_eq!(commission.ends_at, None);
        assert_eq!(
            commission.location_name.as_deref(),
            Some("David R. Lee Animal Care Center")
        );
        assert_eq!(
            commission.address.as_deref(),
            Some("2741 S. Western Ave, Chicago, IL 60608")
        );

        // Every event keeps its provenance, organiser and the feed's defaults.
        let all = Events::find().all(app.db()).await.expect("events");
        assert!(all.iter().all(|e| e.feed_id.is_some()
            && e.source_uid.is_some()
            && e.source_url.is_some()
            && e.last_seen_at.is_some()
            && e.organiser_id.map(|o| o.to_string()) == Some(org.clone())));

        // A second pass over every feed changes nothing.
        for (name, (id, _)) in &feeds {
            let (run, _) = sync(&app, id).await;
            assert_eq!(run["outcome"], "SUCCESS", "{name}: {run}");
            assert_eq!(
                (
                    run["created"].as_i64(),
                    run["updated"].as_i64(),
                    run["removed"].as_i64()
                ),
                (Some(0), Some(0), Some(0)),
                "[{}] {name} is idempotent: {run}",
                app.backend
            );
        }
        app.stop().await;
    }
}

fn calendar(events: &[(&str, &str, &str)]) -> String {
    let mut ics = String::from("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Passerelle tests//FR\r\n");
    for (uid, summary, start) in events {
        ics.push_str(&format!(
            "BEGIN:VEVENT\r\nUID:{uid}\r\nDTSTAMP:20260101T000000Z\r\nDTSTART;TZID=Europe/Paris:{start}\r\nDURATION:PT2H\r\nSUMMARY:{summary}\r\nLOCATION:Lycée Jules Haag\\, Besançon\r\nEND:VEVENT\r\n"
        ));
    }
    ics.push_str("END:VCALENDAR\r\n");
    ics
}

/// (uid, status, updated_at, title) of every event of a feed.
async fn snapshot(app: &TestApp, feed_id: &str) -> Vec<(Option<String>, EventStatus, DateTime<Utc>, String)> {
    let mut rows: Vec<_> = events_of(app, feed_id)
        .await
        .into_iter()
        .map(|e| (e.source_uid, e.status, e.updated_at, e.title))
        .collect();
    rows.sort_by(|a, b| a.0.cmp(&b.0));
    rows
}

#[tokio::test]
async fn syncs_are_idempotent_track_changes_and_mark_removed_events() {
    let server = FeedServer::start().await;
    for app in apps(false).await {
        let org = organisation(&app, "cmq", "CMQ", json!({})).await;
        let path = format!("/{}/agenda.ics", app.backend);
        let two = calendar(&[
            ("forum-1", "Forum des métiers", "20270115T090000"),
            ("salon-2", "Salon de l'industrie", "20270210T140000"),
        ]);
        server.set(
            &path,
            Reply::Body {
                content_type: "text/calendar".into(),
                body: two.clone().into_bytes(),
                etag: Some("\"v1\"".into()),
            },
        );
        let id = feed(
            &app,
            &org,
            &server.url(&path),
            json!({ "defaultVisibility": "PARTNERS", "defaultAudiences": ["LYCEE"] }),
        )
        .await;
        let (run, state) = sync(&app, &id).await;
        assert_eq!(
            (run["created"].as_i64(), run["itemsSeen"].as_i64()),
            (Some(2), Some(2)),
            "{run}"
        );
        assert_eq!(state["consecutiveFailures"], 0);
        let forum = events_of(&app, &id)
            .await
            .into_iter()
            .find(|e| e.title == "Forum des métiers")
            .expect("forum");
        assert_eq!(forum.starts_at, at("2027-01-15T09:00:00+01:00"));
        assert_eq!(forum.ends_at, Some(at("2027-01-15T11:00:00+01:00")));
        assert_eq!(forum.location_name.as_deref(), Some("Lycée Jules Haag, Besançon"));
        assert_eq!(forum.visibility, entity::Visibility::Partners);
        assert_eq!(forum.audiences.0, vec![entity::Audience::Lycee]);
        // Anonymous callers do not see PARTNERS events from the feed.
        let anon = app
            .data_anon("{ events(first: 50) { nodes { title } } }", json!({}))
            .await;
        assert_eq!(anon["events"]["nodes"], json!([]));

        // Same ETag: the hub asks conditionally and the server answers 304.
        let (run, _) = sync(&app, &id).await;
        assert_eq!(run["outcome"], "NOT_MODIFIED", "{run}");
        assert_eq!(run["httpStatus"], 304);
        let sent = server.last_headers(&path).expect("a request");
        assert_eq!(sent.get("if-none-match").and_then(|v| v.to_str().ok()), Some("\"v1\""));
        assert!(
            sent.get("user-agent")
                .and_then(|v| v.to_str().ok())
                .is_some_and(|ua| ua.starts_with("Passerelle/"))
        );

        // Without validators the same content changes nothing either.
        server.set(&path, Reply::file("text/calendar", two.clone()));
        let before = snapshot(&app, &id).await;
        let (run, _) = sync(&app, &id).await;
        assert_eq!(
            (
                run["outcome"].as_str(),
                run["created"].as_i64(),
                run["updated"].as_i64(),
                run["removed"].as_i64()
            ),
            (Some("SUCCESS"), Some(0), Some(0), Some(0)),
            "{run}"
        );
        assert_eq!(snapshot(&app, &id).await, before);

        // A changed title is an update; a vanished item becomes REMOVED_UPSTREAM.
        server.set(
            &path,
            Reply::file(
                "text/calendar",
                calendar(&[("forum-1", "Forum des métiers de l'industrie", "20270115T090000")]),
            ),
        );
        let (run, _) = sync(&app, &id).await;
        assert_eq!(
            (run["updated"].as_i64(), run["removed"].as_i64()),
            (Some(1), Some(1)),
            "{run}"
        );
        let events = events_of(&app, &id).await;
        let salon = events
            .iter()
            .find(|e| e.source_uid.as_deref() == Some("salon-2"))
            .expect("kept");
        assert_eq!(salon.status, EventStatus::RemovedUpstream);
        assert!(events.iter().any(|e| e.title == "Forum des métiers de l'industrie"));
        // Removing twice counts once.
        let (run, _) = sync(&app, &id).await;
        assert_eq!(
            (run["updated"].as_i64(), run["removed"].as_i64()),
            (Some(0), Some(0)),
            "{run}"
        );

        // It comes back when it reappears.
        server.set(&path, Reply::file("text/calendar", two));
        let (run, _) = sync(&app, &id).await;
        assert_eq!(
            (run["updated"].as_i64(), run["created"].as_i64()),
            (Some(2), Some(0)),
            "{run}"
        );
        assert!(
            events_of(&app, &id)
                .await
                .iter()
                .all(|e| e.status == EventStatus::Scheduled)
        );

        // The run history, newest first, through GraphQL.
        let data = app
            .data(
                "query($id: ID!) { feed(id: $id) { status lastSuccessAt runs(first: 10) { totalCount nodes { outcome created updated removed } } } }",
                json!({ "id": id }),
            )
            .await;
        assert_eq!(data["feed"]["status"], "OK");
        assert_eq!(data["feed"]["runs"]["totalCount"], 6);
        assert_eq!(data["feed"]["runs"]["nodes"][0]["updated"], 2);
        assert_eq!(data["feed"]["runs"]["nodes"][5]["created"], 2);

        // Deleting the feed keeps its events, detached.
        let deleted = app
            .data(
                "mutation($id: ID!) { deleteFeed(id: $id) { deletedId eventsAffected } }",
                json!({ "id": id }),
            )
            .await;
        assert_eq!(deleted["deleteFeed"]["eventsAffected"], 2);
        assert!(events_of(&app, &id).await.is_empty());
        let kept = Events::find()
            .filter(C::SourceUid.eq("forum-1"))
            .all(app.db())
            .await
            .expect("events");
        assert_eq!(kept.len(), 1);
        assert_eq!(kept[0].feed_id, None);
        app.stop().await;
    }
}

#[tokio::test]
async fn descriptions_are_sanitised_and_links_are_web_links() {
    let server = FeedServer::start().await;
    for app in apps(false).await {
        let org = organisation(&app, "eb", "Elles Bougent", json!({})).await;
        let path = format!("/{}/xss.ics", app.backend);
        let ics = "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nBEGIN:VEVENT\r\nUID:x-1\r\nDTSTART:20270301T090000Z\r\n\
                   SUMMARY:Atelier <b>robotique</b> &amp; code\r\nURL:javascript:alert(1)\r\n\
                   DESCRIPTION:<p onclick=\"steal()\">Venez</p><script>alert(1)</script><a href=\"javascript:x()\">ici</a>\r\n\
                   END:VEVENT\r\nEND:VCALENDAR\r\n";
        server.set(&path, Reply::file("text/calendar", ics));
        let id = feed(
            &app,
            &org,
            &server.url(&path),
            json!({ "name": "Agenda d'Elles Bougent" }),
        )
        .await;
        let (run, _) = sync(&app, &id).await;
        assert_eq!(run["created"], 1, "{run}");
        let data = app
            .data_anon(
                "{ events(first: 5) { nodes { title description url provenance { sourceUid sourceUrl feedName } } } }",
                json!({}),
            )
            .await;
        let event = &data["events"]["nodes"][0];
        assert_eq!(event["title"], "Atelier robotique & code");
        let description = event["description"].as_str().expect("a description");
        assert!(description.contains("<p>Venez</p>"), "{description}");
        for bad in ["script", "onclick", "javascript"] {
            assert!(!description.contains(bad), "{description}");
        }
        assert_eq!(event["url"], serde_json::Value::Null);
        assert_eq!(event["provenance"]["sourceUid"], "x-1");
        // Which feed it came from, by name, to whoever may see the event…
        assert_eq!(event["provenance"]["feedName"], "Agenda d'Elles Bougent");
        // …but the feed's own address may be a private link: anonymous readers see its site only.
        assert_eq!(event["provenance"]["sourceUrl"], "http://127.0.0.1/…");
        let data = app
            .data("{ events(first: 5) { nodes { provenance { sourceUrl } } } }", json!({}))
            .await;
        assert_eq!(data["events"]["nodes"][0]["provenance"]["sourceUrl"], server.url(&path));
        app.stop().await;
    }
}

#[tokio::test]
async fn a_misbehaving_server_fails_the_run_backs_off_and_changes_no_event() {
    let server = FeedServer::start().await;
    // 64 MiB of zeros, about 64 KiB compressed.
    let bomb = gzip(&vec![0u8; 64 * 1024 * 1024]);
    for app in apps(false).await {
        let org = organisation(&app, "cf", "Capital Filles", json!({})).await;
        let b = app.backend;
        let good = format!("/{b}/good.ics");
        server.set(
            &good,
            Reply::file(
                "text/calendar",
                calendar(&[
                    ("a", "Portes ouvertes", "20270401T100000"),
                    ("b", "Stage de seconde", "20270402T100000"),
                ]),
            ),
        );
        let id = feed(
            &app,
            &org,
            &server.url(&good),
            json!({ "format": "ICAL", "intervalMinutes": 60 }),
        )
        .await;
        let (run, _) = sync(&app, &id).await;
        assert_eq!(run["created"], 2);
        let before = snapshot(&app, &id).await;

        server.set(&format!("/{b}/loop"), Reply::Redirect(format!("/{b}/loop")));
        server.set(
            &format!("/{b}/to-metadata"),
            Reply::Redirect("http://169.254.169.254/latest/meta-data/".into()),
        );
        server.set(
            &format!("/{b}/500"),
            Reply::Status {
                code: 500,
                retry_after: None,
            },
        );
        server.set(
            &format!("/{b}/429"),
            Reply::Status {
                code: 429,
                retry_after: Some("7200".into()),
            },
        );
        server.set(
            &format!("/{b}/503"),
            Reply::Status {
                code: 503,
                retry_after: Some("30".into()),
            },
        );
        server.set(&format!("/{b}/slow"), Reply::Sleep(std::time::Duration::from_secs(10)));
        server.set(
            &format!("/{b}/trickle"),
            Reply::Trickle {
                every: std::time::Duration::from_millis(500),
                chunks: 20,
            },
        );
        server.set(
            &format!("/{b}/huge"),
            Reply::file("text/calendar", vec![b'x'; 2 * 1024 * 1024]),
        );
        server.set(
            &format!("/{b}/bomb"),
            Reply::Gzip {
                content_type: "text/calendar".into(),
                compressed: bomb.clone(),
            },
        );
        let mut invalid = calendar(&[("a", "Portes ouvertes", "20270401T100000")]).into_bytes();
        invalid.splice(60..60, [0xff, 0xfe, 0xc3]);
        server.set(&format!("/{b}/invalid-utf8"), Reply::file("text/calendar", invalid));
        server.set(
            &format!("/{b}/garbage"),
            Reply::file(
                "application/octet-stream",
                (0..4096u32).map(|i| (i * 7919 % 251) as u8).collect::<Vec<_>>(),
            ),
        );

        // (path, expected HTTP status, words of the error)
        let cases: Vec<(String, Option<i64>, &str)> = vec![
            (format!("/{b}/500"), Some(500), "500"),
            (format!("/{b}/missing"), Some(404), "404"),
            (format!("/{b}/429"), Some(429), "Retry-After"),
            (format!("/{b}/503"), Some(503), "503"),
            (format!("/{b}/slow"), None, "no complete answer"),
            (format!("/{b}/trickle"), Some(200), "no complete answer"),
            (format!("/{b}/huge"), Some(200), "limit"),
            (format!("/{b}/bomb"), Some(200), "limit"),
            (format!("/{b}/loop"), None, "redirects"),
            (format!("/{b}/to-metadata"), None, "private or reserved"),
            (format!("/{b}/invalid-utf8"), Some(200), "UTF-8"),
            (format!("/{b}/garbage"), Some(200), "could not be read"),
        ];
        for (n, (path, status, words)) in cases.iter().enumerate() {
            let update = app
                .gql(
                    "mutation($id: ID!, $url: String!) { updateFeed(id: $id, input: { url: $url, format: AUTO }) { feed { id } } }",
                    json!({ "id": id, "url": server.url(path) }),
                )
                .await;
            assert!(update.get("errors").is_none(), "{update}");
            let started = Utc::now();
            let (run, state) = sync(&app, &id).await;
            assert_eq!(run["outcome"], "FAILED", "[{b}] {path}: {run}");
            assert_eq!(run["httpStatus"].as_i64(), *status, "[{b}] {path}: {run}");
            let error = run["error"].as_str().unwrap_or_default();
            assert!(error.contains(words), "[{b}] {path}: {error}");
            assert_eq!(state["lastError"].as_str(), Some(error));
            // A new URL resets the count, so each case is a first failure: twice the interval.
            assert_eq!(state["consecutiveFailures"], 1, "{path}");
            let next = at(state["nextFetchAt"].as_str().expect("a time"));
            let wait = next - started;
            if path.ends_with("/429") {
                assert!(wait >= chrono::Duration::minutes(119), "{path}: {wait}");
            } else {
                assert!(
                    wait >= chrono::Duration::minutes(119) && wait <= chrono::Duration::minutes(121),
                    "{path}: {wait}"
                );
            }
            assert_eq!(snapshot(&app, &id).await, before, "[{b}] {path} changed no event ({n})");
        }

        // Failures in a row: FAILING, with a growing backoff, and still retried.
        let _ = app
            .gql(
                "mutation($id: ID!, $url: String!) { updateFeed(id: $id, input: { url: $url }) { feed { id } } }",
                json!({ "id": id, "url": server.url(&format!("/{b}/500")) }),
            )
            .await;
        let mut waits = Vec::new();
        for _ in 0..3 {
            let started = Utc::now();
            let (_, state) = sync(&app, &id).await;
            waits.push((at(state["nextFetchAt"].as_str().expect("a time")) - started).num_minutes());
        }
        assert!(waits[0] < waits[1] && waits[1] < waits[2], "{waits:?}");
        let data = app
            .data(
                "query($id: ID!) { feed(id: $id) { status consecutiveFailures enabled } feeds(filter: { failing: true }) { totalCount } }",
                json!({ "id": id }),
            )
            .await;
        assert_eq!(data["feed"]["status"], "FAILING");
        assert_eq!(data["feed"]["consecutiveFailures"], 3);
        assert_eq!(data["feed"]["enabled"], true);
        assert_eq!(data["feeds"]["totalCount"], 1);
        // It comes back by itself once the server is fixed.
        let _ = app
            .gql(
                "mutation($id: ID!, $url: String!) { updateFeed(id: $id, input: { url: $url }) { feed { id } } }",
                json!({ "id": id, "url": server.url(&good) }),
            )
            .await;
        let (run, state) = sync(&app, &id).await;
        assert_eq!(run["outcome"], "SUCCESS");
        assert_eq!(state["status"], "OK");
        assert_eq!(snapshot(&app, &id).await, before);

        // The API kept answering throughout.
        let health = app
            .client
            .get(format!("{}/healthz", app.base))
            .send()
            .await
            .expect("healthz");
        assert!(health.status().is_success());
        app.stop().await;
    }
}

#[tokio::test]
async fn feed_urls_pointing_at_private_addresses_are_refused() {
    for app in apps(false).await {
        let org = organisation(&app, "rect", "Rectorat", json!({})).await;
        for url in [
            "http://10.0.0.8/agenda.ics",
            "http://169.254.169.254/latest/meta-data/",
            "http://[::1]/agenda.ics",
            "http://192.168.1.20/x.ics",
            "ftp://example.org/agenda.ics",
            "file:///etc/passwd",
        ] {
            let body = app
                .gql(
                    "mutation($input: CreateFeedInput!) { createFeed(input: $input) { feed { id } } }",
                    json!({ "input": { "organisationId": org, "name": "x", "url": url } }),
                )
                .await;
            assert_eq!(error_code(&body), "BAD_USER_INPUT", "{url}: {body}");
            assert_eq!(common::error_field(&body), "url");
        }
        // A feed stored before the allow-list changed is still refused at fetch time, before
        // any connection.
        let id = feed(&app, &org, "http://127.0.0.1:9/agenda.ics", json!({})).await;
        {
            use sea_orm::{ActiveModelTrait, IntoActiveModel, Set};
            let stored = entity::feed::Entity::find_by_id(uuid::Uuid::parse_str(&id).expect("an id"))
                .one(app.db())
                .await
                .expect("read")
                .expect("the feed");
            let mut am = stored.into_active_model();
            am.url = Set("http://10.11.12.13/agenda.ics".into());
            am.update(app.db()).await.expect("stored");
        }
        let (run, state) = sync(&app, &id).await;
        assert_eq!(run["outcome"], "FAILED");
        assert_eq!(run["httpStatus"], serde_json::Value::Null);
        assert!(
            run["error"]
                .as_str()
                .unwrap_or_default()
                .contains("private or reserved"),
            "{run}"
        );
        assert_eq!(state["consecutiveFailures"], 1);
        app.stop().await;
    }
}

#[tokio::test]
async fn editors_manage_their_own_organisations_feeds() {
    let server = FeedServer::start().await;
    server.set(
        "/a.ics",
        Reply::file("text/calendar", calendar(&[("a", "Forum", "20270501T100000")])),
    );
    for app in apps(false).await {
        let mine = organisation(&app, "mine", "Mine", json!({})).await;
        let other = organisation(&app, "other", "Other", json!({})).await;
        let editor = app
            .account("editor@example.org", entity::Role::Editor, Some(&mine))
            .await;
        let member = app
            .account("member@example.org", entity::Role::Member, Some(&mine))
            .await;
        let outsider = app
            .account("outsider@example.org", entity::Role::Editor, Some(&other))
            .await;
        let create = "mutation($input: CreateFeedInput!) { createFeed(input: $input) { feed { id organisation { slug } status intervalMinutes format } } }";

        // Editors create for their own organisation (the default), not for another.
        let body = app
            .gql_as(
                Some(&editor),
                create,
                json!({ "input": { "name": "Agenda", "url": server.url("/a.ics") } }),
            )
            .await;
        let feed = &body["data"]["createFeed"]["feed"];
        assert_eq!(feed["organisation"]["slug"], "mine", "{body}");
        assert_eq!(feed["intervalMinutes"], 60);
        assert_eq!(feed["format"], "AUTO");
        let id = feed["id"].as_str().expect("an id").to_string();
        let body = app
            .gql_as(
                Some(&editor),
                create,
                json!({ "input": { "organisationId": other, "name": "x", "url": server.url("/a.ics") } }),
            )
            .await;
        assert_eq!(error_code(&body), "FORBIDDEN");
        let body = app
            .gql_as(
                Some(&member),
                create,
                json!({ "input": { "name": "x", "url": server.url("/a.ics") } }),
            )
            .await;
        assert_eq!(error_code(&body), "FORBIDDEN");
        let body = app
            .gql_as(
                None,
                create,
                json!({ "input": { "organisationId": mine, "name": "x", "url": server.url("/a.ics") } }),
            )
            .await;
        assert_eq!(error_code(&body), "UNAUTHENTICATED");
        // The polling interval has a floor.
        let body = app
            .gql_as(
                Some(&editor),
                create,
                json!({ "input": { "name": "x", "url": server.url("/a.ics"), "intervalMinutes": 2 } }),
            )
            .await;
        assert_eq!(error_code(&body), "BAD_USER_INPUT");
        assert_eq!(common::error_field(&body), "intervalMinutes");

        // Members see their organisation's feeds; other organisations and anonymous see none.
        let list = "{ feeds(first: 10) { totalCount nodes { id name } } }";
        for (token, expected) in [(Some(&member), 1), (Some(&editor), 1), (Some(&outsider), 0), (None, 0)] {
            let body = app.gql_as(token.map(|t| t.as_str()), list, json!({})).await;
            assert_eq!(body["data"]["feeds"]["totalCount"], expected, "{body}");
        }
        // Members see where a feed comes from, not its (possibly secret) address.
        let body = app
            .gql_as(Some(&member), "{ feeds(first: 1) { nodes { url } } }", json!({}))
            .await;
        let shown = body["data"]["feeds"]["nodes"][0]["url"]
            .as_str()
            .unwrap_or_default()
            .to_string();
        assert_eq!(shown, format!("http://127.0.0.1/…"), "{body}");
        let body = app
            .gql_as(Some(&editor), "{ feeds(first: 1) { nodes { url } } }", json!({}))
            .await;
        assert_eq!(body["data"]["feeds"]["nodes"][0]["url"], server.url("/a.ics"));
        let by_id = "query($id: ID!) { feed(id: $id) { id } }";
        let body = app.gql_as(Some(&outsider), by_id, json!({ "id": id })).await;
        assert_eq!(body["data"]["feed"], serde_json::Value::Null);

        // Only its editors (and admins) sync, update or delete it.
        let sync_q = "mutation($id: ID!) { syncFeed(id: $id) { run { outcome created } } }";
        let body = app.gql_as(Some(&member), sync_q, json!({ "id": id })).await;
        assert_eq!(error_code(&body), "FORBIDDEN");
        let body = app.gql_as(Some(&outsider), sync_q, json!({ "id": id })).await;
        assert_eq!(error_code(&body), "NOT_FOUND");
        let body = app.gql_as(Some(&editor), sync_q, json!({ "id": id })).await;
        assert_eq!(body["data"]["syncFeed"]["run"]["created"], 1, "{body}");
        let update = "mutation($id: ID!) { updateFeed(id: $id, input: { enabled: false }) { feed { status } } }";
        let body = app.gql_as(Some(&outsider), update, json!({ "id": id })).await;
        assert_eq!(error_code(&body), "NOT_FOUND");
        let body = app.gql_as(Some(&editor), update, json!({ "id": id })).await;
        assert_eq!(body["data"]["updateFeed"]["feed"]["status"], "DISABLED", "{body}");
        // A disabled feed is not pulled by the scheduler.
        let runs = app.puller().run_once().await.expect("a pass");
        assert!(runs.is_empty());
        let delete = "mutation($id: ID!) { deleteFeed(id: $id, deleteEvents: true) { eventsAffected } }";
        let body = app.gql_as(Some(&member), delete, json!({ "id": id })).await;
        assert_eq!(error_code(&body), "FORBIDDEN");
        let body = app.gql_as(Some(&editor), delete, json!({ "id": id })).await;
        assert_eq!(body["data"]["deleteFeed"]["eventsAffected"], 1, "{body}");
        // The audit log has the feed's life.
        let audit = app
            .data(
                "{ auditLog(first: 20, filter: { entityType: \"Feed\" }) { nodes { operation } } }",
                json!({}),
            )
            .await;
        let ops: Vec<&str> = audit["auditLog"]["nodes"]
            .as_array()
            .expect("a list")
            .iter()
            .filter_map(|n| n["operation"].as_str())
            .collect();
        assert!(
            ops.contains(&"create") && ops.contains(&"update") && ops.contains(&"delete"),
            "{ops:?}"
        );
        app.stop().await;
    }
}

#[tokio::test]
async fn the_scheduler_pulls_due_feeds_and_reschedules_them() {
    let server = FeedServer::start().await;
    for app in apps(false).await {
        let org = organisation(&app, "sch", "School", json!({})).await;
        let paths: Vec<String> = (0..6).map(|i| format!("/{}/due-{i}.ics", app.backend)).collect();
        for (i, path) in paths.iter().enumerate() {
            server.set(
                path,
                Reply::file(
                    "text/calendar",
                    calendar(&[(&format!("e{i}"), "Atelier", "20270601T100000")]),
                ),
            );
            feed(&app, &org, &server.url(path), json!({ "intervalMinutes": 30 })).await;
        }
        let started = Utc::now();
        let runs = app.puller().run_once().await.expect("a pass");
        assert_eq!(runs.len(), 6);
        assert!(paths.iter().all(|p| server.hits(p) == 1));
        // Nothing is due any more: the next pass pulls nothing.
        assert!(app.puller().run_once().await.expect("a pass").is_empty());
        let data = app
            .data(
                "{ feeds(first: 10) { nodes { nextFetchAt lastSuccessAt } } }",
                json!({}),
            )
            .await;
        for node in data["feeds"]["nodes"].as_array().expect("a list") {
            let wait = at(node["nextFetchAt"].as_str().expect("a time")) - started;
            // 30 minutes, give or take 10 %.
            assert!(
                wait >= chrono::Duration::minutes(26) && wait <= chrono::Duration::minutes(34),
                "{wait}"
            );
        }
        app.stop().await;
    }
}

fn local_config(dir: &std::path::Path, scheduler: bool) -> passerelle::config::Config {
    passerelle::config::Config {
        feeds: passerelle::config::FeedSettings {
            scheduler,
            poll_every: std::time::Duration::from_secs(1),
            ..common::feed_settings()
        },
        ..common::sqlite_config(dir)
    }
}

async fn local_organisation(db: &sea_orm::DatabaseConnection, slug: &str) -> uuid::Uuid {
    passerelle::store::record::create::<entity::organisation::Entity>(
        db,
        passerelle::store::organisations::OrganisationFields {
            slug: slug.into(),
            name: slug.to_uppercase(),
            kind: entity::OrganisationKind::Network,
            region: None,
            departement: None,
            postal_code: None,
            city: None,
            website: None,
            description: None,
        },
    )
    .await
    .expect("an organisation")
    .id
}

#[tokio::test]
async fn serve_runs_the_scheduler() {
    let server = FeedServer::start().await;
    server.set(
        "/scheduled.ics",
        Reply::file("text/calendar", calendar(&[("s", "Conférence", "20270701T100000")])),
    );
    let dir = std::env::temp_dir().join(format!("passerelle-sched-{}", uuid::Uuid::new_v4()));
    std::fs::create_dir_all(&dir).expect("a directory");
    let running = passerelle::startup::start(&local_config(&dir, true), false)
        .await
        .expect("starts");
    let org = local_organisation(&running.db, "sched").await;
    passerelle::store::record::create::<entity::feed::Entity>(
        &running.db,
        passerelle::store::feeds::FeedFields {
            organisation_id: org,
            name: "Agenda".into(),
            url: server.url("/scheduled.ics"),
            format: entity::FeedFormat::Auto,
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
    // The scheduler polls every second (plus jitter); give it a generous deadline.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    let mut events = Vec::new();
    while std::time::Instant::now() < deadline {
        events = Events::find().all(&running.db).await.expect("events");
        if !events.is_empty() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    }
    assert_eq!(events.len(), 1, "the scheduler pulled the feed");
    assert_eq!(server.hits("/scheduled.ics"), 1);
    running.stop().await.expect("stops");
    let _ = std::fs::remove_dir_all(&dir);
}

// Several threads: the command line blocks this test while the feed server answers it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_command_line_adds_lists_and_syncs_feeds() {
    let server = FeedServer::start().await;
    server.set(
        "/cli.ics",
        Reply::file(
            "text/calendar",
            calendar(&[("c1", "Journée filles et maths", "20270910T090000")]),
        ),
    );
    let dir = std::env::temp_dir().join(format!("passerelle-cli-{}", uuid::Uuid::new_v4()));
    std::fs::create_dir_all(&dir).expect("a directory");
    {
        let running = passerelle::startup::start(&local_config(&dir, false), false)
            .await
            .expect("starts");
        local_organisation(&running.db, "capital-filles").await;
        running.stop().await.expect("stops");
    }
    let cli = |args: &[&str]| {
        std::process::Command::new(env!("CARGO_BIN_EXE_passerelle"))
            .args(args)
            .env("PASSERELLE_DATA_DIR", &dir)
            .env("PASSERELLE_FEEDS_ALLOW_HOSTS", "127.0.0.1")
            .env_remove("PASSERELLE_DATABASE_URL")
            .output()
            .expect("the command runs")
    };
    let url = server.url("/cli.ics");
    let out = cli(&[
        "feeds",
        "add",
        "--organisation",
        "capital-filles",
        "--name",
        "Agenda",
        "--url",
        &url,
        "--format",
        "ical",
        "--json",
    ]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let added: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON");
    assert_eq!(added["format"], "ical");
    assert_eq!(added["status"], "PENDING", "not pulled yet");
    let id = added["id"].as_str().expect("an id").to_string();

    // The same address again for the organisation is refused: its events would come twice.
    let out = cli(&[
        "feeds",
        "add",
        "--organisation",
        "capital-filles",
        "--name",
        "Encore",
        "--url",
        &url,
    ]);
    assert!(!out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("already has a feed at this address"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );

    let out = cli(&["feeds", "add", "--organisation", "nobody", "--name", "x", "--url", &url]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("no organisation has the slug"));
    let out = cli(&[
        "feeds",
        "add",
        "--organisation",
        "capital-filles",
        "--name",
        "x",
        "--url",
        "http://10.1.1.1/a.ics",
    ]);
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("private or reserved") && stderr.contains("PASSERELLE_FEEDS_ALLOW_HOSTS"),
        "the refusal names the setting that would allow it: {stderr}"
    );

    let out = cli(&["feeds", "sync", &id, "--json"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let run: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON");
    assert_eq!(
        (run["outcome"].as_str(), run["created"].as_i64()),
        (Some("success"), Some(1)),
        "{run}"
    );
    // Nothing else is due.
    let out = cli(&["feeds", "sync"]);
    assert!(out.status.success());
    assert!(String::from_utf8_lossy(&out.stdout).contains("no feed is due"));

    let out = cli(&["feeds", "list", "--json"]);
    let listed: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON");
    assert_eq!(listed["id"], id);
    assert!(listed["lastSuccessAt"].is_string());

    // A failing sync says so in the exit code.
    server.set(
        "/cli.ics",
        Reply::Status {
            code: 500,
            retry_after: None,
        },
    );
    let out = cli(&["feeds", "sync", &id]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stdout).contains("500"));
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test]
async fn wordpress_pages_are_followed_and_a_broken_page_changes_nothing() {
    let server = FeedServer::start().await;
    let single: serde_json::Value =
        serde_json::from_slice(&fixture("json-tec-rest-api-single-event-hacc.json")).expect("JSON");
    for app in apps(false).await {
        let b = app.backend;
        let page = |n: u32, next: Option<String>| {
            let mut event = single.clone();
            event["id"] = json!(2644 + n);
            event["title"] = json!(format!("Atelier {n}"));
            let mut body = json!({ "events": [event], "total": 3, "total_pages": 3 });
            if let Some(next) = next {
                body["next_rest_url"] = json!(next);
            }
            Reply::file("application/json", body.to_string())
        };
        let p1 = format!("/{b}/wp-json/tribe/events/v1/events");
        let p3 = format!("/{b}/page3");
        server.set(&p1, page(1, Some(server.url(&format!("/{b}/page2")))));
        server.set(&format!("/{b}/page2"), page(2, Some(server.url(&p3))));
        server.set(&p3, page(3, None));
        let org = organisation(&app, "wp", "WordPress", json!({})).await;
        let id = feed(&app, &org, &server.url(&p1), json!({ "format": "WP_EVENTS_CALENDAR" })).await;
        let (run, _) = sync(&app, &id).await;
        assert_eq!(
            (run["outcome"].as_str(), run["created"].as_i64()),
            (Some("SUCCESS"), Some(3)),
            "{run}"
        );
        let mut titles: Vec<String> = events_of(&app, &id).await.into_iter().map(|e| e.title).collect();
        titles.sort();
        assert_eq!(titles, vec!["Atelier 1", "Atelier 2", "Atelier 3"]);
        let before = snapshot(&app, &id).await;
        // Pagination that loops back stops early: what the unread pages held is not removed.
        server.set(&format!("/{b}/page2"), page(2, Some(server.url(&p1))));
        let (run, _) = sync(&app, &id).await;
        assert_eq!(
            (run["outcome"].as_str(), run["removed"].as_i64()),
            (Some("SUCCESS"), Some(0)),
            "{run}"
        );
        assert!(run["warnings"].to_string().contains("pagination stopped"), "{run}");
        assert_eq!(snapshot(&app, &id).await, before);
        // The last page fails: the whole pull fails and nothing is marked removed.
        server.set(&p1, page(1, Some(server.url(&format!("/{b}/page2")))));
        server.set(&format!("/{b}/page2"), page(2, Some(server.url(&format!("/{b}/gone")))));
        let (run, _) = sync(&app, &id).await;
        assert_eq!(
            (run["outcome"].as_str(), run["httpStatus"].as_i64()),
            (Some("FAILED"), Some(404)),
            "{run}"
        );
        assert_eq!(snapshot(&app, &id).await, before);
        app.stop().await;
    }
}

#[tokio::test]
async fn curation_of_pulled_events_survives_the_next_sync() {
    let server = FeedServer::start().await;
    for app in apps(false).await {
        let path = format!("/{}/curated.ics", app.backend);
        server.set(
            &path,
            Reply::file("text/calendar", calendar(&[("c", "Forum", "20270801T100000")])),
        );
        let org = organisation(&app, "cur", "Curation", json!({})).await;
        let id = feed(&app, &org, &server.url(&path), json!({ "defaultVisibility": "PUBLIC" })).await;
        sync(&app, &id).await;
        let event = events_of(&app, &id).await.remove(0);
        app.data(
            "mutation($id: ID!) { updateEvent(id: $id, input: { visibility: ORGANISATION, audiences: [LYCEE] }) { event { id } } }",
            json!({ "id": event.id.to_string() }),
        )
        .await;
        let (run, _) = sync(&app, &id).await;
        assert_eq!(run["updated"], 0, "{run}");
        let after = events_of(&app, &id).await.remove(0);
        assert_eq!(after.visibility, entity::Visibility::Organisation);
        assert_eq!(after.audiences.0, vec![entity::Audience::Lycee]);
        app.stop().await;
    }
}
