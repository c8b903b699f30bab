//! Time zones: `TZID`s resolved to IANA zones, once each.

use std::collections::HashMap;

use chrono::{Datelike, NaiveDate, Offset, TimeZone};
use chrono_tz::Tz;

use crate::feeds::{ParseOptions, windows_zones};

struct VTimezone {
    /// X-LIC-LOCATION: the IANA name some producers add beside a custom TZID.
    location: Option<String>,
    standard_offset: Option<i32>,
    daylight_offset: Option<i32>,
}

/// Resolves TZIDs to IANA zones, once each.
pub(super) struct Zones {
    default: Tz,
    /// Zone of floating times and dates: X-WR-TIMEZONE, else the default.
    pub(super) floating: Tz,
    floating_source: &'static str,
    vtimezones: HashMap<String, VTimezone>,
    resolved: HashMap<String, Tz>,
    year: i32,
}

impl Zones {
    pub(super) fn new(options: &ParseOptions) -> Self {
        Zones {
            default: options.default_timezone,
            floating: options.default_timezone,
            floating_source: "the default zone",
            vtimezones: HashMap::new(),
            resolved: HashMap::new(),
            year: options.window_start.year(),
        }
    }

    pub(super) fn add_vtimezone(&mut self, component: &icalendar::parser::Component) {
        let Some(tzid) = component.find_prop("TZID").map(|p| p.val.as_str().trim().to_string()) else {
            return;
        };
        let offset_of = |kind: &str| {
            component
                .components
                .iter()
                .filter(|c| c.name.as_str() == kind)
                .filter_map(|c| c.find_prop("TZOFFSETTO"))
                .find_map(|p| parse_utc_offset(p.val.as_str()))
        };
        let vtimezone = VTimezone {
            location: component
                .find_prop("X-LIC-LOCATION")
                .map(|p| p.val.as_str().to_string()),
            standard_offset: offset_of("STANDARD"),
            daylight_offset: offset_of("DAYLIGHT"),
        };
        self.vtimezones.insert(tzid, vtimezone);
    }

    pub(super) fn set_calendar_zone(&mut self, name: Option<&str>, warnings: &mut Vec<String>) {
        let Some(name) = name else { return };
        match resolve_zone_name(name).or_else(|| self.zone_of_vtimezone(name, warnings)) {
            Some(zone) => {
                self.floating = zone;
                self.floating_source = "X-WR-TIMEZONE";
            }
            None => warnings.push(format!(
                "unknown X-WR-TIMEZONE {name:?}: floating times are read in {}",
                self.default.name()
            )),
        }
    }

    /// The zone a TZID names; an unknown one falls back to the floating zone, with a warning.
    pub(super) fn zone(&mut self, tzid: &str, warnings: &mut Vec<String>) -> Tz {
        if let Some(zone) = self.resolved.get(tzid) {
            return *zone;
        }
        let zone = resolve_zone_name(tzid)
            .or_else(|| self.zone_of_vtimezone(tzid, warnings))
            .unwrap_or_else(|| {
                warnings.push(format!(
                    "unknown time zone {tzid:?}: its times are read in {} ({})",
                    self.floating.name(),
                    self.floating_source
                ));
                self.floating
            });
        self.resolved.insert(tzid.to_string(), zone);
        zone
    }

    /// A custom TZID ("Customized Time Zone") read from its VTIMEZONE: X-LIC-LOCATION,
    /// else the first Windows-table zone with the same standard and daylight offsets.
    fn zone_of_vtimezone(&self, tzid: &str, warnings: &mut Vec<String>) -> Option<Tz> {
        let vtimezone = self.vtimezones.get(tzid.trim().trim_matches('"'))?;
        if let Some(zone) = vtimezone.location.as_deref().and_then(resolve_zone_name) {
            return Some(zone);
        }
        let standard = vtimezone.standard_offset?;
        let daylight = vtimezone.daylight_offset.filter(|d| *d != standard);
        let offset_in = |zone: &Tz, month: u32| {
            NaiveDate::from_ymd_opt(self.year, month, 15)
                .and_then(|d| d.and_hms_opt(12, 0, 0))
                .map(|noon| zone.offset_from_utc_datetime(&noon).fix().local_minus_utc())
        };
        let zone = windows_zones::ZONES
            .iter()
            .filter_map(|z| z.iana.parse::<Tz>().ok())
            .find(|zone| {
                let (january, july) = (offset_in(zone, 1), offset_in(zone, 7));
                match daylight {
                    None => january == Some(standard) && july == Some(standard),
                    Some(daylight) => {
                        (january, july) == (Some(standard), Some(daylight))
                            || (january, july) == (Some(daylight), Some(standard))
                    }
                }
            })?;
        warnings.push(format!(
            "time zone {tzid:?} is not a known name: read as {}, which has the offsets its VTIMEZONE gives",
            zone.name()
        ));
        Some(zone)
    }
}

/// An IANA name (legacy aliases such as `US/Central` included), a vendor-prefixed one
/// (`/mozilla.org/20050126_1/Europe/Berlin`) or a Windows id or display name.
fn resolve_zone_name(raw: &str) -> Option<Tz> {
    let name = raw.trim().trim_matches('"').trim();
    if name.is_empty() {
        return None;
    }
    if let Ok(zone) = name.parse::<Tz>() {
        return Some(zone);
    }
    if let Some(zone) = name
        .match_indices('/')
        .find_map(|(at, _)| name[at + 1..].parse::<Tz>().ok())
    {
        return Some(zone);
    }
    if let Some(zone) = windows_zones::iana(name).and_then(|iana| iana.parse::<Tz>().ok()) {
        return Some(zone);
    }
    chrono_tz::TZ_VARIANTS
        .iter()
        .find(|zone| zone.name().eq_ignore_ascii_case(name))
        .copied()
}

/// `+0100`, `-0500`, `+053000` → seconds east of UTC.
fn parse_utc_offset(value: &str) -> Option<i32> {
    let value = value.trim();
    let (sign, digits) = match value.as_bytes().first()? {
        b'+' => (1, &value[1..]),
        b'-' => (-1, &value[1..]),
        _ => (1, value),
    };
    if digits.len() < 4 || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let number = |range: std::ops::Range<usize>| digits.get(range).and_then(|d| d.parse::<i32>().ok());
    let seconds = number(0..2)? * 3600 + number(2..4)? * 60 + number(4..6).unwrap_or(0);
    Some(sign * seconds)
}
