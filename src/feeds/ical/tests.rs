//! Documents from real producers (the fixtures), then small inline ones.

use std::collections::HashSet;

use chrono::{Datelike, Duration, NaiveDate, TimeZone, Utc};
use chrono_tz::{America, Europe, Tz};

use super::parse;
use super::recurrence::MAX_INSTANCES_PER_SERIES;
use crate::feeds::{FeedEvent, ParseOptions, Parsed, time};

/// Options whose window is `[from, to)` at midnight in `zone`.
fn window(zone: Tz, from: (i32, u32, u32), to: (i32, u32, u32)) -> ParseOptions {
    let midnight = |(y, m, d): (i32, u32, u32)| {
        let date = NaiveDate::from_ymd_opt(y, m, d).expect("date");
        time::local(zone, date.and_time(chrono::NaiveTime::MIN)).with_timezone(&Utc)
    };
    ParseOptions {
        window_start: midnight(from),
        window_end: midnight(to),
        ..ParseOptions::around(Utc::now())
    }
}

fn read(body: &[u8], options: &ParseOptions) -> Parsed {
    parse(body, options).expect("the document parses")
}

fn zone_of(event: &FeedEvent) -> Tz {
    event.timezone.parse().expect("an IANA zone")
}

/// Start as local time and offset in the event's own zone: `2018-06-27 13:00 -04:00`.
fn start(event: &FeedEvent) -> String {
    event
        .starts_at
        .with_timezone(&zone_of(event))
        .format("%Y-%m-%d %H:%M %:z")
        .to_string()
}

fn end(event: &FeedEvent) -> String {
    let ends_at = event.ends_at.expect("an end");
    ends_at
        .with_timezone(&zone_of(event))
        .format("%Y-%m-%d %H:%M %:z")
        .to_string()
}

fn titled<'a>(events: &'a [FeedEvent], title: &str) -> Vec<&'a FeedEvent> {
    events.iter().filter(|e| e.title == title).collect()
}

fn one<'a>(events: &'a [FeedEvent], title: &str) -> &'a FeedEvent {
    let found = titled(events, title);
    assert_eq!(found.len(), 1, "exactly one {title:?}");
    found[0]
}

fn dates(events: &[&FeedEvent]) -> Vec<String> {
    events.iter().map(|e| start(e)[..10].to_string()).collect()
}

#[test]
fn tec_wordpress_tzid_without_vtimezone() {
    let body = include_bytes!("../../../tests/fixtures/feeds/ics-tec-wordpress-ecp4-glwa-tzid-without-vtimezone.ics");
    let parsed = read(body, &ParseOptions::around(Utc::now()));
    let events = &parsed.events;
    assert_eq!(events.len(), 7);
    assert!(parsed.warnings.is_empty(), "{:?}", parsed.warnings);
    assert!(
        events
            .iter()
            .all(|e| !e.uid.contains('#') && e.timezone == "America/Detroit")
    );
    assert!(
        events.iter().all(|e| !e.cancelled),
        "no STATUS, even on the \"(Cancelled)\" titles"
    );

    let first = &events[0];
    assert_eq!(first.title, "Legal Committee Meeting (Cancelled)");
    assert_eq!(first.uid, "6693-1530104400-1530108000@www.glwater.org");
    assert_eq!(
        (start(first).as_str(), end(first).as_str()),
        ("2018-06-27 13:00 -04:00", "2018-06-27 14:00 -04:00")
    );
    assert_eq!(
        first.url.as_deref(),
        Some("http://www.glwater.org/event/legal-committee-meeting-7/")
    );
    assert_eq!(
        first.location_name.as_deref(),
        Some("735 Randolph, 5th Floor Board Room, Detroit,, MI, 48226")
    );

    let last = &events[6];
    assert_eq!(last.title, "GLWA Board Meeting");
    assert_eq!(
        (start(last).as_str(), end(last).as_str()),
        ("2018-07-25 18:00 -04:00", "2018-07-25 20:00 -04:00")
    );
    assert_eq!(
        last.location_name.as_deref(),
        Some("300 E. Nine Mile Road, Ferndale, MI, 48220")
    );
}

#[test]
fn google_yearly_rule_with_exdate_and_override() {
    let body = include_bytes!("../../../tests/fixtures/feeds/ics-google-yearly-rrule-exdate-recurrence-id-crlf.ics");
    let parsed = read(body, &window(America::Los_Angeles, (2014, 1, 1), (2020, 1, 1)));
    let events = &parsed.events;
    assert!(parsed.warnings.is_empty(), "{:?}", parsed.warnings);
    assert_eq!(events.len(), 5);
    let starts: Vec<String> = events.iter().map(start).collect();
    assert_eq!(
        starts,
        [
            "2014-08-01 18:30 -07:00",
            "2015-08-01 19:00 -07:00",
            "2017-08-01 19:00 -07:00",
            "2018-08-01 19:00 -07:00",
            "2019-08-01 19:00 -07:00"
        ]
    );
    for event in events {
        assert_eq!(event.title, "Vespers for the Feast of St. Joseph");
        assert_eq!(event.ends_at.map(|e| e - event.starts_at), Some(Duration::hours(1)));
        assert!(event.uid.starts_with("aogpprh4bolu8ckmop49ca6404@google.com#"));
    }
    // The override is named after the start it replaces: 2014-08-01 19:00 PDT.
    assert_eq!(events[0].uid, "aogpprh4bolu8ckmop49ca6404@google.com#20140802T020000Z");
    assert_eq!(end(&events[0]), "2014-08-01 19:30 -07:00");
    assert_eq!(events[1].uid, "aogpprh4bolu8ckmop49ca6404@google.com#20150802T020000Z");
}

#[test]
fn google_biweekly_with_exdate_list() {
    let body = include_bytes!("../../../tests/fixtures/feeds/ics-google-biweekly-exdate-list-folded.ics");
    let parsed = read(body, &window(America::Chicago, (2017, 1, 1), (2018, 1, 1)));
    let first_series = titled(&parsed.events, "Example of comma-separated exdates");
    assert_eq!(first_series.len(), 21);
    assert!(first_series.iter().all(|e| e.timezone == "US/Central"));
    assert_eq!(start(first_series[0]), "2017-02-16 09:00 -06:00");
    assert_eq!(end(first_series[0]), "2017-02-16 19:00 -06:00");
    assert_eq!(start(first_series[20]), "2017-07-31 09:00 -05:00");
    for event in &first_series {
        let offset = if event.starts_at < Utc.with_ymd_and_hms(2017, 3, 12, 8, 0, 0).unwrap() {
            "-06:00"
        } else {
            "-05:00"
        };
        assert!(start(event).ends_with(&format!("09:00 {offset}")), "{}", start(event));
    }
    let days = dates(&first_series);
    for excluded in ["2017-07-06", "2017-07-17", "2017-07-20", "2017-08-03"] {
        assert!(!days.contains(&excluded.to_string()), "{excluded} is excluded");
    }
    let july: Vec<&String> = days.iter().filter(|d| d.starts_with("2017-07")).collect();
    assert_eq!(july, ["2017-07-03", "2017-07-31"]);

    // Floating and bare-date EXDATEs match no instance of the UTC series: nothing removed.
    let second_series = titled(&parsed.events, "Example of exdate with bad times");
    assert_eq!(
        second_series[0].starts_at,
        Utc.with_ymd_and_hms(2017, 8, 14, 14, 0, 0).unwrap()
    );
    assert!(second_series.iter().all(|e| e.timezone == "UTC"));
    let days = dates(&second_series);
    assert!(days.contains(&"2017-12-18".to_string()) && days.contains(&"2017-12-19".to_string()));
}

#[test]
fn google_weekly_infinite_rule_across_dst() {
    let body = include_bytes!("../../../tests/fixtures/feeds/ics-google-weekly-rrule-apple-structured-location.ics");
    let parsed = read(body, &window(Europe::Zurich, (2016, 10, 28), (2016, 11, 5)));
    let events = &parsed.events;
    assert!(parsed.warnings.is_empty(), "{:?}", parsed.warnings);
    let starts: Vec<String> = events.iter().map(start).collect();
    assert_eq!(
        starts,
        [
            "2016-10-28 14:00 +02:00",
            "2016-10-31 14:00 +01:00",
            "2016-11-01 14:00 +01:00",
            "2016-11-02 14:00 +01:00",
            "2016-11-03 14:00 +01:00",
            "2016-11-04 14:00 +01:00"
        ]
    );
    for event in events {
        assert_eq!(event.title, "Daily Sync");
        assert_eq!(event.timezone, "Europe/Zurich");
        assert_eq!(end(event)[11..16], *"14:30");
        assert_eq!(
            event.location_name.as_deref(),
            Some("Roadstar 16\n12764 Happyville\nDenmark")
        );
    }
}

#[test]
fn outlook_all_day_holidays() {
    let body = include_bytes!("../../../tests/fixtures/feeds/ics-outlook12-allday-holidays-crlf.ics");
    let options = ParseOptions {
        default_timezone: Europe::Berlin,
        ..ParseOptions::around(Utc::now())
    };
    let parsed = read(body, &options);
    let events = &parsed.events;
    assert!(parsed.warnings.is_empty(), "{:?}", parsed.warnings);
    assert_eq!(events.len(), 159);
    assert!(events.iter().all(|e| e.all_day && e.timezone == "Europe/Berlin"));
    assert!(
        events
            .iter()
            .all(|e| !e.uid.is_empty() && e.uid.bytes().all(|b| b.is_ascii_digit()))
    );
    assert_eq!(events.iter().map(|e| &e.uid).collect::<HashSet<_>>().len(), 159);

    let first = &events[0];
    assert_eq!(
        (first.uid.as_str(), first.title.as_str()),
        ("7", "Germany: New Years Day")
    );
    assert_eq!(
        (start(first).as_str(), end(first).as_str()),
        ("2008-01-01 00:00 +01:00", "2008-01-02 00:00 +01:00")
    );

    let last = &events[158];
    assert_eq!(
        (last.uid.as_str(), last.title.as_str()),
        ("22693", "Germany: St. Stephen's Day")
    );
    assert_eq!(start(last), "2020-12-26 00:00 +01:00");

    let epiphany = events.iter().find(|e| e.uid == "32").expect("UID 32");
    assert_eq!(epiphany.title, "Germany: Epiphany ");
    assert_eq!(start(epiphany), "2008-01-06 00:00 +01:00");
    let description = epiphany.description.clone().expect("a description");
    assert!(
        description.starts_with("Baden-W&#252;rttemberg, Bavaria, Saxony-Anhalt."),
        "{description}"
    );
    let mut cleaned = epiphany.clone();
    crate::feeds::text::clean(&mut cleaned);
    assert!(
        cleaned
            .description
            .expect("a description")
            .starts_with("Baden-Württemberg, ")
    );
}

#[test]
fn exchange_owa_display_name_tzids_and_missing_uids() {
    let body = include_bytes!("../../../tests/fixtures/feeds/ics-exchange-owa-nonstandard-quoted-tzid.ics");
    let options = window(America::New_York, (2020, 10, 1), (2022, 1, 1));
    let parsed = read(body, &options);
    let events = &parsed.events;
    assert!(parsed.warnings.is_empty(), "{:?}", parsed.warnings);

    let sydney = one(events, " TEST Syd");
    assert_eq!(sydney.timezone, "Australia/Sydney");
    assert_eq!(
        (start(sydney).as_str(), end(sydney).as_str()),
        ("2020-10-28 13:30 +11:00", "2020-10-28 15:00 +11:00")
    );
    let test = one(events, " TEST");
    assert_eq!(
        (test.timezone.as_str(), start(test).as_str()),
        ("America/New_York", "2020-10-28 13:30 -04:00")
    );
    let test3 = one(events, " TEST 3");
    assert_eq!(start(test3), "2020-11-02 13:30 -05:00");

    // DTSTART (a Monday) does not match BYDAY=TH,FR: only the TH/FR instances are certain.
    let test2 = titled(events, " TEST2");
    let thursdays_fridays: Vec<_> = test2
        .iter()
        .filter(|e| {
            matches!(
                e.starts_at.with_timezone(&America::New_York).weekday(),
                chrono::Weekday::Thu | chrono::Weekday::Fri
            )
        })
        .collect();
    assert_eq!(thursdays_fridays.len(), 86);
    assert_eq!(start(thursdays_fridays[0]), "2020-11-05 13:30 -05:00");
    assert!(test2.iter().all(|e| start(e)[11..16] == *"13:30"));

    // No UID anywhere: generated, distinct, and the same on every read.
    let series_uid = |event: &FeedEvent| event.uid.split('#').next().unwrap_or_default().to_string();
    let uids: HashSet<String> = events.iter().map(series_uid).collect();
    assert_eq!(uids.len(), 4);
    assert!(uids.iter().all(|uid| uid.starts_with("ical-")));
    let again = read(body, &options);
    let first_uids: Vec<&String> = events.iter().map(|e| &e.uid).collect();
    assert_eq!(first_uids, again.events.iter().map(|e| &e.uid).collect::<Vec<_>>());
}

#[test]
fn exchange_windows_zone_ids() {
    let body = include_bytes!("../../../tests/fixtures/feeds/ics-exchange-windows-timezone-names.ics");
    let parsed = read(body, &window(America::Los_Angeles, (2020, 6, 1), (2020, 9, 10)));
    let events = &parsed.events;

    let test = one(events, "test");
    assert_eq!(test.timezone, "Europe/Berlin");
    assert_eq!(
        (start(test).as_str(), end(test).as_str()),
        ("2020-09-10 09:00 +02:00", "2020-09-10 09:30 +02:00")
    );
    assert_eq!(test.location_name.as_deref(), Some(""));

    let summary1 = one(events, "Not the actual summary 1");
    assert_eq!(summary1.timezone, "America/Los_Angeles");
    assert_eq!(
        (start(summary1).as_str(), end(summary1).as_str()),
        ("2020-09-15 08:30 -07:00", "2020-09-15 09:30 -07:00")
    );

    // `DTSTART;TZID="W. Europe Standard Time:20200609T090000"`: reported, then recovered.
    assert!(
        parsed
            .warnings
            .iter()
            .any(|w| w.contains("DTSTART") && w.contains("20200609T090000")),
        "{:?}",
        parsed.warnings
    );
    let jira = titled(events, "Log Yesterday's Jira time");
    assert_eq!(
        (start(jira[0]).as_str(), end(jira[0]).as_str()),
        ("2020-06-09 09:00 +02:00", "2020-06-09 09:30 +02:00")
    );

    let either = titled(events, "Not the actual summary either");
    assert_eq!(either.len(), 31);
    assert_eq!(start(either[0]), "2020-07-07 12:00 -07:00");
    assert!(
        either
            .iter()
            .all(|e| e.location_name.as_deref() == Some("https://bluejeans.com/7999979999"))
    );
    assert!(
        either
            .iter()
            .all(|e| start(e)[11..] == *"12:00 -07:00" && end(e)[11..] == *"12:30 -07:00")
    );
    let days = dates(&either);
    for excluded in [
        "2020-07-21",
        "2020-07-23",
        "2020-07-28",
        "2020-08-13",
        "2020-08-25",
        "2020-09-03",
    ] {
        assert!(!days.contains(&excluded.to_string()), "{excluded} is excluded");
    }
    assert_eq!(
        events.iter().filter(|e| !e.uid.contains('#')).count(),
        2,
        "two single events"
    );
}

#[test]
fn meetup_folded_escaped() {
    let body = include_bytes!("../../../tests/fixtures/feeds/ics-meetup-folded-escaped-vtimezone.ics");
    let parsed = read(body, &ParseOptions::around(Utc::now()));
    assert!(parsed.warnings.is_empty(), "{:?}", parsed.warnings);
    assert_eq!(parsed.events.len(), 1);
    let event = &parsed.events[0];
    assert_eq!(event.title, "Phoenix Drupal User Group Monthly Meetup");
    assert_eq!(event.uid, "event_nsmxnyppbfc@meetup.com");
    assert_eq!(event.timezone, "America/Phoenix");
    assert_eq!(
        (start(event).as_str(), end(event).as_str()),
        ("2011-11-09 19:00 -07:00", "2011-11-09 21:00 -07:00")
    );
    assert_eq!(
        event.url.as_deref(),
        Some("http://www.meetup.com/Phoenix-Drupal-User-Group/events/33627272/")
    );
    assert_eq!(
        event.location_name.as_deref(),
        Some("Open Source Project Tempe (1415 E University Dr. #103A, Tempe, AZ 85281)")
    );
    let description = event.description.as_deref().expect("a description");
    assert!(
        description
            .starts_with("Phoenix Drupal User Group\nWednesday, November 9 at 7:00 PM\n\nCustomizing node display"),
        "{description:?}"
    );
    assert_eq!((event.latitude, event.longitude), (Some(33.56), Some(-111.90)));
}

#[test]
fn apple_status_and_organisers() {
    let body = include_bytes!("../../../tests/fixtures/feeds/ics-apple-macos-status-tentative-cancelled.ics");
    let parsed = read(body, &ParseOptions::around(Utc::now()));
    let events = &parsed.events;
    assert!(parsed.warnings.is_empty(), "{:?}", parsed.warnings);
    assert_eq!(events.len(), 4);

    let tentative = one(events, "Tentative");
    assert_eq!(tentative.timezone, "UTC");
    assert_eq!(tentative.starts_at, Utc.with_ymd_and_hms(2022, 7, 4, 23, 0, 0).unwrap());
    assert_eq!(
        tentative.ends_at,
        Some(Utc.with_ymd_and_hms(2022, 7, 4, 23, 50, 0).unwrap())
    );
    assert!(!tentative.cancelled);
    assert_eq!(tentative.organiser.as_deref(), Some("tentative@example.com"));

    let confirmed = one(events, "Confirmed");
    assert_eq!(confirmed.timezone, "America/Vancouver");
    assert_eq!(
        (start(confirmed).as_str(), end(confirmed).as_str()),
        ("2022-07-05 09:00 -07:00", "2022-07-05 10:00 -07:00")
    );
    assert!(!confirmed.cancelled);
    assert_eq!(confirmed.organiser.as_deref(), Some("confirmed@example.com"));

    let cancelled = one(events, "Cancelled");
    assert_eq!(
        (start(cancelled).as_str(), end(cancelled).as_str()),
        ("2022-07-06 13:00 -07:00", "2022-07-06 14:00 -07:00")
    );
    assert!(cancelled.cancelled);
    assert_eq!(cancelled.organiser.as_deref(), Some("cancelled@example.com"));

    let no_status = one(events, "No Status");
    assert_eq!(
        (start(no_status).as_str(), end(no_status).as_str()),
        ("2022-07-07 09:00 -07:00", "2022-07-07 10:00 -07:00")
    );
    assert!(!no_status.cancelled);
    assert_eq!(no_status.organiser, None);
}

#[test]
fn ai1ec_german_monthly_rule() {
    let body = include_bytes!("../../../tests/fixtures/feeds/ics-wordpress-ai1ec-fablab-german-crlf.ics");
    let parsed = read(body, &window(Europe::Berlin, (2018, 1, 1), (2018, 7, 1)));
    let events = &parsed.events;
    assert!(parsed.warnings.is_empty(), "{:?}", parsed.warnings);
    let singles: Vec<&FeedEvent> = events.iter().filter(|e| !e.uid.contains('#')).collect();
    assert_eq!(singles.len(), 27);
    assert_eq!(singles.iter().filter(|e| e.all_day).count(), 1);
    assert!(
        singles
            .iter()
            .filter(|e| !e.all_day)
            .all(|e| e.timezone == "Europe/Berlin")
    );
    for event in events {
        let n = event
            .uid
            .strip_prefix("ai1ec-")
            .and_then(|rest| rest.split('@').next())
            .expect("ai1ec-<n>");
        assert!(
            n.bytes().all(|b| b.is_ascii_digit()) && event.uid.contains("@blog.fablab-cottbus.de"),
            "{}",
            event.uid
        );
    }

    let closed = one(events, "Lab geschlossen: Wir sind auf dem Karlstraßenfest");
    assert!(closed.all_day);
    assert_eq!(
        (start(closed).as_str(), end(closed).as_str()),
        ("2018-06-09 00:00 +02:00", "2018-06-10 00:00 +02:00")
    );
    assert_eq!(closed.location_name.as_deref(), Some("Karlstraßenfest"));

    // A one-off "Repair Café" in September is not part of the series.
    let repair: Vec<&FeedEvent> = titled(events, "Repair Café")
        .into_iter()
        .filter(|e| e.uid.contains('#'))
        .collect();
    let starts: Vec<String> = repair.iter().map(|e| start(e)).collect();
    assert_eq!(
        starts,
        [
            "2018-01-06 14:00 +01:00",
            "2018-02-03 14:00 +01:00",
            "2018-03-03 14:00 +01:00",
            "2018-04-07 14:00 +02:00",
            "2018-05-05 14:00 +02:00",
            "2018-06-02 14:00 +02:00"
        ]
    );
    for event in &repair {
        assert_eq!(end(event)[11..16], *"17:00");
        assert!(event.uid.contains('#'));
        assert_eq!(
            event.location_name.as_deref(),
            Some("FabLab Cottbus @ Walther-Pauer-Straße 5, 03044 Cottbus, Deutschland")
        );
    }
}

#[test]
fn sixt_freebusy_is_not_an_event() {
    let body = include_bytes!("../../../tests/fixtures/feeds/ics-sixt-french-accents-unfolded-long-lines.ics");
    let parsed = read(body, &ParseOptions::around(Utc::now()));
    assert_eq!(parsed.events.len(), 1);
    let event = &parsed.events[0];
    assert_eq!(event.title, "Sixt : détails de votre réservation");
    assert_eq!(event.uid, "SIXT_9879691160");
    assert_eq!(event.timezone, "UTC");
    assert_eq!(event.starts_at, Utc.with_ymd_and_hms(2019, 6, 24, 6, 30, 0).unwrap());
    assert_eq!(
        event.ends_at,
        Some(Utc.with_ymd_and_hms(2019, 6, 24, 16, 30, 0).unwrap())
    );
    assert_eq!(
        event.location_name.as_deref(),
        Some("Sixt Genève Aéroport secteur France, AP de Genève Cointrin Sect(F), 01210 Ferney-Voltaire, FR")
    );
}

#[test]
fn tripit_escapes_all_day_utc_and_floating() {
    let body = include_bytes!("../../../tests/fixtures/feeds/ics-tripit-escaped-commas-semicolons.ics");
    let options = ParseOptions {
        default_timezone: America::Los_Angeles,
        ..ParseOptions::around(Utc::now())
    };
    let parsed = read(body, &options);
    let events = &parsed.events;
    assert!(parsed.warnings.is_empty(), "{:?}", parsed.warnings);
    assert_eq!(events.len(), 47);
    assert!(events.iter().all(|e| !e.uid.contains('#')));
    assert_eq!(events.iter().filter(|e| e.all_day).count(), 6);
    assert_eq!(events.iter().filter(|e| !e.all_day && e.timezone == "UTC").count(), 39);
    let floating: Vec<&FeedEvent> = events.iter().filter(|e| !e.all_day && e.timezone != "UTC").collect();
    assert_eq!(floating.len(), 2);
    assert!(floating.iter().all(|e| e.timezone == "America/Los_Angeles"));

    let first = &events[0];
    assert_eq!(first.title, "South San Francisco, CA, October 2011;");
    assert!(first.all_day);
    assert_eq!(
        (start(first).as_str(), end(first).as_str()),
        ("2011-10-11 00:00 -07:00", "2011-10-14 00:00 -07:00")
    );
    assert_eq!(first.location_name.as_deref(), Some("South San Francisco, CA"));

    let second = &events[1];
    assert_eq!(
        second.title,
        "Directions from SFO to Embassy Suites San Francisco Airport - South San Francisco"
    );
    assert_eq!(
        (start(second).as_str(), end(second).as_str()),
        ("2011-10-11 10:05 -07:00", "2011-10-11 11:05 -07:00")
    );

    // The trip file holds the same flight on three days.
    let flight = titled(events, "US403 PHX to SFO")
        .into_iter()
        .find(|e| e.starts_at.date_naive() == NaiveDate::from_ymd_opt(2011, 10, 11).expect("date"))
        .expect("the flight of 2011-10-11");
    assert_eq!(flight.starts_at, Utc.with_ymd_and_hms(2011, 10, 11, 14, 45, 0).unwrap());
    assert_eq!(
        flight.ends_at,
        Some(Utc.with_ymd_and_hms(2011, 10, 11, 16, 55, 0).unwrap())
    );
}

#[test]
fn thunderbird_overrides() {
    let body = include_bytes!("../../../tests/fixtures/feeds/ics-thunderbird-recurrence-id-overrides-crlf.ics");
    let parsed = read(body, &window(Europe::Berlin, (2019, 3, 1), (2019, 4, 1)));
    assert!(parsed.warnings.is_empty(), "{:?}", parsed.warnings);
    let mut events: Vec<&FeedEvent> = parsed.events.iter().collect();
    events.sort_by_key(|e| e.starts_at);
    let seen: Vec<(String, String, String)> = events
        .iter()
        .map(|e| (e.title.clone(), start(e), end(e)[11..16].to_string()))
        .collect();
    let expected = [
        ("New Event", "2019-03-07 02:00 +01:00", "03:00"),
        ("New Event", "2019-03-08 01:00 +01:00", "02:00"),
        ("New Event", "2019-03-09 03:00 +01:00", "04:00"),
        ("New Event", "2019-03-10 02:00 +01:00", "03:00"),
        ("test7", "2019-03-18 04:00 +01:00", "05:00"),
        ("test7 - edited", "2019-03-19 04:00 +01:00", "05:00"),
        ("test7", "2019-03-20 04:00 +01:00", "05:00"),
    ];
    let expected: Vec<(String, String, String)> = expected
        .iter()
        .map(|(t, s, e)| (t.to_string(), s.to_string(), e.to_string()))
        .collect();
    assert_eq!(seen, expected);
    assert_eq!(
        one(&parsed.events, "test7 - edited").location_name.as_deref(),
        Some("location")
    );
    // Moved instances keep the uid of the start they replace.
    let moved = events
        .iter()
        .find(|e| start(e) == "2019-03-08 01:00 +01:00")
        .expect("moved");
    assert_eq!(moved.uid, "a0c78729-30b1-4ba3-a86e-6aedd995d788#20190308T010000Z");
}

// ---- Small inline documents

const EVENT: &str = "BEGIN:VEVENT\nUID:1@test\nDTSTART;TZID=Europe/Paris:20240105T140000\nDTEND;TZID=Europe/Paris:20240105T153000\nSUMMARY:Atelier\nEND:VEVENT";

fn inline(text: &str) -> Parsed {
    read(text.as_bytes(), &window(Europe::Paris, (2024, 1, 1), (2025, 1, 1)))
}

#[test]
fn bare_vevent_without_calendar_or_final_newline() {
    let parsed = inline(EVENT);
    assert_eq!(parsed.events.len(), 1);
    assert_eq!(parsed.events[0].title, "Atelier");
    assert_eq!(start(&parsed.events[0]), "2024-01-05 14:00 +01:00");
    assert_eq!(end(&parsed.events[0]), "2024-01-05 15:30 +01:00");
}

#[test]
fn generated_uids_are_stable_ids() {
    // Stored ids: the hash of DTSTART (parameters and value), SUMMARY, LOCATION and
    // RECURRENCE-ID, which later reads of the same feed must find again.
    let parsed = inline(&EVENT.replace("UID:1@test\n", ""));
    assert_eq!(parsed.events[0].uid, "ical-fb7dcb12b68a30ff596b95dda1a34197");
}

#[test]
fn junk_after_the_calendar_is_ignored_with_a_warning() {
    let parsed = inline(&format!(
        "BEGIN:VCALENDAR\r\n{}\r\nEND:VCALENDAR\r\n<html>oops</html>\r\n\0\0",
        EVENT.replace('\n', "\r\n")
    ));
    assert_eq!(parsed.events.len(), 1);
    assert!(
        parsed.warnings.iter().any(|w| w.contains("after END:VCALENDAR")),
        "{:?}",
        parsed.warnings
    );
}

#[test]
fn lf_crlf_and_cr_read_alike() {
    let lf = format!("BEGIN:VCALENDAR\n{EVENT}\nEND:VCALENDAR\n");
    let crlf = lf.replace('\n', "\r\n");
    let cr = lf.replace('\n', "\r");
    let expected = inline(&lf).events;
    assert_eq!(expected.len(), 1);
    assert_eq!(inline(&crlf).events, expected);
    assert_eq!(inline(&cr).events, expected);
}

#[test]
fn garbage_is_an_error() {
    let options = ParseOptions::around(Utc::now());
    assert!(parse(b"", &options).is_err());
    assert!(parse(b"\xff\xfe\x00\x01\x9c\x80\xc3garbage\x00\x17", &options).is_err());
    assert!(
        parse(
            &[0x89, b'P', b'N', b'G', 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 0x0d],
            &options
        )
        .is_err()
    );
    assert!(parse(b"<html><body>Not found</body></html>", &options).is_err());
    // A calendar without events is readable, and empty.
    let empty = parse(b"BEGIN:VCALENDAR\nVERSION:2.0\nEND:VCALENDAR\n", &options).expect("readable");
    assert!(empty.events.is_empty());
}

#[test]
fn invalid_utf8_inside_a_calendar_is_decoded_lossily() {
    let body = [
        b"BEGIN:VCALENDAR\nBEGIN:VEVENT\nUID:x\nDTSTART:20240105T140000Z\nSUMMARY:Caf\xe9 ".as_slice(),
        b"\nEND:VEVENT\nEND:VCALENDAR\n",
    ]
    .concat();
    let parsed = read(&body, &ParseOptions::around(Utc::now()));
    assert_eq!(parsed.events[0].title, "Caf\u{FFFD} ");
    assert!(parsed.warnings.iter().any(|w| w.contains("UTF-8")));
}

#[test]
fn folds_may_split_characters_and_escapes() {
    // The fold splits "é" (C3 A9) and the `\,` and `\n` escapes.
    let body = b"BEGIN:VEVENT\r\nUID:x\r\nDTSTART:20240105T140000Z\r\nSUMMARY:Caf\xc3\r\n \xa9 \\\r\n , ici\\\r\n\tn2\\;3\\\\\r\nEND:VEVENT";
    let parsed = read(body, &ParseOptions::around(Utc::now()));
    assert_eq!(parsed.events[0].title, "Café , ici\n2;3\\");
}

#[test]
fn windows_display_name_and_quoted_tzid() {
    let parsed = inline(
        "BEGIN:VCALENDAR\nBEGIN:VEVENT\nUID:w\nDTSTART;TZID=\"(UTC+01:00) Brussels, Copenhagen, Madrid, Paris\":20240705T100000\nSUMMARY:x\nEND:VEVENT\nBEGIN:VEVENT\nUID:v\nDTSTART;TZID=(UTC-05:00) Eastern Time (US & Canada):20240705T100000\nSUMMARY:y\nEND:VEVENT\nEND:VCALENDAR",
    );
    assert!(parsed.warnings.is_empty(), "{:?}", parsed.warnings);
    assert_eq!(
        (parsed.events[0].timezone.as_str(), start(&parsed.events[0]).as_str()),
        ("Europe/Paris", "2024-07-05 10:00 +02:00")
    );
    // Unquoted, with a colon inside: the value still starts after the last colon.
    assert_eq!(
        (parsed.events[1].timezone.as_str(), start(&parsed.events[1]).as_str()),
        ("America/New_York", "2024-07-05 10:00 -04:00")
    );
}

#[test]
fn unknown_tzid_falls_back_to_calendar_zone_then_default() {
    let body = "BEGIN:VCALENDAR\nX-WR-TIMEZONE:America/Chicago\nBEGIN:VEVENT\nUID:u\nDTSTART;TZID=Mars/Olympus:20240705T100000\nSUMMARY:x\nEND:VEVENT\nBEGIN:VEVENT\nUID:f\nDTSTART:20240705T100000\nSUMMARY:floating\nEND:VEVENT\nEND:VCALENDAR";
    let parsed = inline(body);
    assert_eq!(parsed.events[0].timezone, "America/Chicago");
    assert_eq!(
        parsed.events[1].timezone, "America/Chicago",
        "floating times follow X-WR-TIMEZONE"
    );
    assert!(
        parsed.warnings.iter().any(|w| w.contains("Mars/Olympus")),
        "{:?}",
        parsed.warnings
    );

    let parsed = inline(&body.replace("X-WR-TIMEZONE:America/Chicago\n", ""));
    assert_eq!(parsed.events[0].timezone, "Europe/Paris");
    assert_eq!(start(&parsed.events[0]), "2024-07-05 10:00 +02:00");
}

#[test]
fn custom_tzid_read_from_its_vtimezone() {
    let body = "BEGIN:VCALENDAR\nBEGIN:VTIMEZONE\nTZID:Customized Time Zone\nBEGIN:STANDARD\nDTSTART:16010101T030000\nTZOFFSETFROM:+0200\nTZOFFSETTO:+0100\nEND:STANDARD\nBEGIN:DAYLIGHT\nDTSTART:16010101T020000\nTZOFFSETFROM:+0100\nTZOFFSETTO:+0200\nEND:DAYLIGHT\nEND:VTIMEZONE\nBEGIN:VEVENT\nUID:c\nDTSTART;TZID=Customized Time Zone:20240705T100000\nSUMMARY:x\nEND:VEVENT\nEND:VCALENDAR";
    let parsed = inline(body);
    assert_eq!(start(&parsed.events[0]), "2024-07-05 10:00 +02:00");
    assert_eq!(parsed.events[0].timezone, "Europe/Berlin");
}

#[test]
fn missing_dtstart_is_skipped_with_a_warning() {
    let parsed = inline(&format!(
        "BEGIN:VCALENDAR\nBEGIN:VEVENT\nUID:none\nSUMMARY:No start\nEND:VEVENT\n{EVENT}\nEND:VCALENDAR"
    ));
    assert_eq!(parsed.events.len(), 1);
    assert!(
        parsed
            .warnings
            .iter()
            .any(|w| w.contains("none") && w.contains("DTSTART")),
        "{:?}",
        parsed.warnings
    );
}

#[test]
fn structure_errors_are_repaired() {
    // A VEVENT without its END, a stray END, a VALARM left open, a property without value.
    let body = "BEGIN:VCALENDAR\nBEGIN:VEVENT\nUID:a\nDTSTART:20240105T100000Z\nSUMMARY:first\nBEGIN:VALARM\nTRIGGER:-PT15M\nBEGIN:VEVENT\nUID:b\nDTSTART:20240106T100000Z\nSUMMARY:second\nEND:VTODO\nORGANIZER;CN=Nobody\nEND:VEVENT\nEND:VCALENDAR";
    let parsed = inline(body);
    let titles: Vec<&str> = parsed.events.iter().map(|e| e.title.as_str()).collect();
    assert_eq!(titles, ["first", "second"]);
    assert!(parsed.warnings.len() >= 3, "{:?}", parsed.warnings);
}

#[test]
fn duration_all_day_and_cancelled() {
    let body = "BEGIN:VCALENDAR\nBEGIN:VEVENT\nUID:d\nDTSTART;TZID=Europe/Paris:20240330T230000\nDURATION:P1DT1H\nSUMMARY:across DST\nSTATUS:cancelled\nEND:VEVENT\nBEGIN:VEVENT\nUID:e\nDTSTART;VALUE=DATE:20240330\nSUMMARY:one day\nCATEGORIES:Atelier,Visite\\, guidée\nEND:VEVENT\nBEGIN:VEVENT\nUID:both\nDTSTART:20240105T100000Z\nDTEND:20240105T110000Z\nDURATION:PT0S\nSUMMARY:DTEND wins\nEND:VEVENT\nEND:VCALENDAR";
    let parsed = inline(body);
    let across = one(&parsed.events, "across DST");
    // A nominal day keeps the wall clock across the change, then an exact hour.
    assert_eq!(end(across), "2024-04-01 00:00 +02:00");
    assert!(across.cancelled);
    let day = one(&parsed.events, "one day");
    assert!(day.all_day);
    assert_eq!(
        (start(day).as_str(), end(day).as_str()),
        ("2024-03-30 00:00 +01:00", "2024-03-31 00:00 +01:00")
    );
    assert_eq!(day.categories, ["Atelier", "Visite, guidée"]);
    let both = one(&parsed.events, "DTEND wins");
    assert_eq!(both.ends_at, Some(Utc.with_ymd_and_hms(2024, 1, 5, 11, 0, 0).unwrap()));
}

#[test]
fn times_in_a_gap_move_forward_by_its_length() {
    // RFC 5545 §3.3.5: a nonexistent local time is read with the offset before the gap.
    // Paris skips an hour, Lord Howe Island half an hour.
    let body = "BEGIN:VCALENDAR\nBEGIN:VEVENT\nUID:paris\nDTSTART;TZID=Europe/Paris:20270328T023000\nSUMMARY:Paris\nEND:VEVENT\nBEGIN:VEVENT\nUID:howe\nDTSTART;TZID=Australia/Lord_Howe:20271003T021500\nSUMMARY:Lord Howe\nEND:VEVENT\nBEGIN:VEVENT\nUID:twice\nDTSTART;TZID=Europe/Paris:20271031T023000\nSUMMARY:twice\nEND:VEVENT\nEND:VCALENDAR";
    let parsed = inline(body);
    assert!(parsed.warnings.is_empty(), "{:?}", parsed.warnings);
    assert_eq!(start(one(&parsed.events, "Paris")), "2027-03-28 03:30 +02:00");
    assert_eq!(start(one(&parsed.events, "Lord Howe")), "2027-10-03 02:45 +11:00");
    // An ambiguous time is the first of the two.
    assert_eq!(start(one(&parsed.events, "twice")), "2027-10-31 02:30 +02:00");
}

#[test]
fn unbounded_rules_are_capped() {
    let body = "BEGIN:VEVENT\nUID:daily\nDTSTART:20000101T100000Z\nRRULE:FREQ=DAILY\nSUMMARY:every day\nEND:VEVENT";
    let options = ParseOptions {
        window_start: Utc.with_ymd_and_hms(2000, 1, 1, 0, 0, 0).unwrap(),
        window_end: Utc.with_ymd_and_hms(2040, 1, 1, 0, 0, 0).unwrap(),
        ..ParseOptions::around(Utc::now())
    };
    let parsed = read(body.as_bytes(), &options);
    assert_eq!(parsed.events.len(), MAX_INSTANCES_PER_SERIES);
    assert!(
        parsed.warnings.iter().any(|w| w.contains("5000")),
        "{:?}",
        parsed.warnings
    );
}

#[test]
fn floating_and_date_until_and_all_day_series() {
    let body = "BEGIN:VEVENT\nUID:w\nDTSTART;VALUE=DATE:20240101\nRRULE:FREQ=WEEKLY;UNTIL=20240115;X-NAME=1\nSUMMARY:weekly\nEXDATE;VALUE=DATE:20240108\nEND:VEVENT";
    let parsed = inline(body);
    assert!(parsed.warnings.is_empty(), "{:?}", parsed.warnings);
    let days = dates(&parsed.events.iter().collect::<Vec<_>>());
    assert_eq!(days, ["2024-01-01", "2024-01-15"]);
    assert!(parsed.events.iter().all(|e| e.all_day));
    assert_eq!(parsed.events[0].uid, "w#20231231T230000Z");
}

#[test]
fn odd_lines_duplicates_rdates_and_orphan_overrides() {
    let body = "begin:vcalendar\nbegin:vevent\nuid:low\ndtstart;tzid=Europe/Paris:20240105T100000\nsummary:lower case\n\
        item1.X-LABEL:grouped\nLOCATION;X BAD=1:Salle 2\nDESCRIPTION:Ligne 1\nLigne 2 sans pli\nSEQUENCE:0\nend:vevent\n\
        BEGIN:VEVENT\nUID:low\nSEQUENCE:2\nDTSTART;TZID=Europe/Paris:20240106T100000\nSUMMARY:lower case, updated\nEND:VEVENT\n\
        BEGIN:VEVENT\nUID:r\nDTSTART:20240110T090000Z\nRDATE:20240112T090000Z,20240115T090000Z\nSUMMARY:rdates\nEND:VEVENT\n\
        BEGIN:VEVENT\nUID:orphan\nRECURRENCE-ID:20240120T090000Z\nDTSTART:20240121T090000Z\nSUMMARY:moved\nEND:VEVENT\n\
        END:VCALENDAR";
    let parsed = inline(body);
    let updated = one(&parsed.events, "lower case, updated");
    assert_eq!(
        (updated.uid.as_str(), start(updated).as_str()),
        ("low", "2024-01-06 10:00 +01:00")
    );
    assert!(
        titled(&parsed.events, "lower case").is_empty(),
        "the lower SEQUENCE is dropped"
    );
    assert!(
        parsed.warnings.iter().any(|w| w.contains("SEQUENCE")),
        "{:?}",
        parsed.warnings
    );

    let rdates: Vec<String> = titled(&parsed.events, "rdates").iter().map(|e| e.uid.clone()).collect();
    assert_eq!(
        rdates,
        ["r#20240110T090000Z", "r#20240112T090000Z", "r#20240115T090000Z"]
    );

    let moved = one(&parsed.events, "moved");
    assert_eq!(moved.uid, "orphan#20240120T090000Z");
    assert_eq!(moved.starts_at, Utc.with_ymd_and_hms(2024, 1, 21, 9, 0, 0).unwrap());

    let first = inline(
        &body
            .replace("SEQUENCE:2", "SEQUENCE:0")
            .replace("SEQUENCE:0\nend", "SEQUENCE:5\nend"),
    );
    let kept = one(&first.events, "lower case");
    assert_eq!(kept.location_name.as_deref(), Some("Salle 2"));
    assert_eq!(kept.description.as_deref(), Some("Ligne 1\nLigne 2 sans pli"));
}
