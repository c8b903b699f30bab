//! Windows time zone names → IANA zones, for calendars written by Exchange and Outlook.
//!
//! Two forms reach us in `TZID`s: the Windows zone id (`W. Europe Standard Time`) and the
//! display name Windows shows for it (`(UTC+01:00) Amsterdam, Berlin, Bern, Rome, Stockholm,
//! Vienna`, or the older `(GMT+01:00) ...`). The table is CLDR's `windowsZones.xml`: the
//! "001" (whole-world) territory mapping of every Windows zone id, with the display label
//! CLDR records beside each.

/// One Windows zone: its id, CLDR's "001" IANA zone and its display name, split into the
/// standard offset of the `(UTC±hh:mm)` prefix and the label after it.
#[derive(Clone, Copy, Debug)]
pub struct WindowsZone {
    pub id: &'static str,
    pub iana: &'static str,
    pub utc_offset_minutes: i32,
    pub label: &'static str,
}

/// Every Windows zone id, in CLDR order (by standard offset).
#[rustfmt::skip]
pub const ZONES: &[WindowsZone] = &[
    WindowsZone { id: "Dateline Standard Time", iana: "Etc/GMT+12", utc_offset_minutes: -720, label: "International Date Line West" },
    WindowsZone { id: "UTC-11", iana: "Etc/GMT+11", utc_offset_minutes: -660, label: "Coordinated Universal Time-11" },
    WindowsZone { id: "Aleutian Standard Time", iana: "America/Adak", utc_offset_minutes: -600, label: "Aleutian Islands" },
    WindowsZone { id: "Hawaiian Standard Time", iana: "Pacific/Honolulu", utc_offset_minutes: -600, label: "Hawaii" },
    WindowsZone { id: "Marquesas Standard Time", iana: "Pacific/Marquesas", utc_offset_minutes: -570, label: "Marquesas Islands" },
    WindowsZone { id: "Alaskan Standard Time", iana: "America/Anchorage", utc_offset_minutes: -540, label: "Alaska" },
    WindowsZone { id: "UTC-09", iana: "Etc/GMT+9", utc_offset_minutes: -540, label: "Coordinated Universal Time-09" },
    WindowsZone { id: "Pacific Standard Time (Mexico)", iana: "America/Tijuana", utc_offset_minutes: -480, label: "Baja California" },
    WindowsZone { id: "UTC-08", iana: "Etc/GMT+8", utc_offset_minutes: -480, label: "Coordinated Universal Time-08" },
    WindowsZone { id: "Pacific Standard Time", iana: "America/Los_Angeles", utc_offset_minutes: -480, label: "Pacific Time (US & Canada)" },
    WindowsZone { id: "US Mountain Standard Time", iana: "America/Phoenix", utc_offset_minutes: -420, label: "Arizona" },
    WindowsZone { id: "Mountain Standard Time (Mexico)", iana: "America/Mazatlan", utc_offset_minutes: -420, label: "Chihuahua, La Paz, Mazatlan" },
    WindowsZone { id: "Mountain Standard Time", iana: "America/Denver", utc_offset_minutes: -420, label: "Mountain Time (US & Canada)" },
    WindowsZone { id: "Yukon Standard Time", iana: "America/Whitehorse", utc_offset_minutes: -420, label: "Yukon" },
    WindowsZone { id: "Central America Standard Time", iana: "America/Guatemala", utc_offset_minutes: -360, label: "Central America" },
    WindowsZone { id: "Central Standard Time", iana: "America/Chicago", utc_offset_minutes: -360, label: "Central Time (US & Canada)" },
    WindowsZone { id: "Easter Island Standard Time", iana: "Pacific/Easter", utc_offset_minutes: -360, label: "Easter Island" },
    WindowsZone { id: "Central Standard Time (Mexico)", iana: "America/Mexico_City", utc_offset_minutes: -360, label: "Guadalajara, Mexico City, Monterrey" },
    WindowsZone { id: "Canada Central Standard Time", iana: "America/Regina", utc_offset_minutes: -360, label: "Saskatchewan" },
    WindowsZone { id: "SA Pacific Standard Time", iana: "America/Bogota", utc_offset_minutes: -300, label: "Bogota, Lima, Quito, Rio Branco" },
    WindowsZone { id: "Eastern Standard Time (Mexico)", iana: "America/Cancun", utc_offset_minutes: -300, label: "Chetumal" },
    WindowsZone { id: "Eastern Standard Time", iana: "America/New_York", utc_offset_minutes: -300, label: "Eastern Time (US & Canada)" },
    WindowsZone { id: "Haiti Standard Time", iana: "America/Port-au-Prince", utc_offset_minutes: -300, label: "Haiti" },
    WindowsZone { id: "Cuba Standard Time", iana: "America/Havana", utc_offset_minutes: -300, label: "Havana" },
    WindowsZone { id: "US Eastern Standard Time", iana: "America/Indianapolis", utc_offset_minutes: -300, label: "Indiana (East)" },
    WindowsZone { id: "Turks And Caicos Standard Time", iana: "America/Grand_Turk", utc_offset_minutes: -300, label: "Turks and Caicos" },
    WindowsZone { id: "Paraguay Standard Time", iana: "America/Asuncion", utc_offset_minutes: -240, label: "Asuncion" },
    WindowsZone { id: "Atlantic Standard Time", iana: "America/Halifax", utc_offset_minutes: -240, label: "Atlantic Time (Canada)" },
    WindowsZone { id: "Venezuela Standard Time", iana: "America/Caracas", utc_offset_minutes: -240, label: "Caracas" },
    WindowsZone { id: "Central Brazilian Standard Time", iana: "America/Cuiaba", utc_offset_minutes: -240, label: "Cuiaba" },
    WindowsZone { id: "SA Western Standard Time", iana: "America/La_Paz", utc_offset_minutes: -240, label: "Georgetown, La Paz, Manaus, San Juan" },
    WindowsZone { id: "Pacific SA Standard Time", iana: "America/Santiago", utc_offset_minutes: -240, label: "Santiago" },
    WindowsZone { id: "Newfoundland Standard Time", iana: "America/St_Johns", utc_offset_minutes: -210, label: "Newfoundland" },
    WindowsZone { id: "Tocantins Standard Time", iana: "America/Araguaina", utc_offset_minutes: -180, label: "Araguaina" },
    WindowsZone { id: "E. South America Standard Time", iana: "America/Sao_Paulo", utc_offset_minutes: -180, label: "Brasilia" },
    WindowsZone { id: "SA Eastern Standard Time", iana: "America/Cayenne", utc_offset_minutes: -180, label: "Cayenne, Fortaleza" },
    WindowsZone { id: "Argentina Standard Time", iana: "America/Buenos_Aires", utc_offset_minutes: -180, label: "City of Buenos Aires" },
    WindowsZone { id: "Greenland Standard Time", iana: "America/Godthab", utc_offset_minutes: -180, label: "Greenland" },
    WindowsZone { id: "Montevideo Standard Time", iana: "America/Montevideo", utc_offset_minutes: -180, label: "Montevideo" },
    WindowsZone { id: "Magallanes Standard Time", iana: "America/Punta_Arenas", utc_offset_minutes: -180, label: "Punta Arenas" },
    WindowsZone { id: "Saint Pierre Standard Time", iana: "America/Miquelon", utc_offset_minutes: -180, label: "Saint Pierre and Miquelon" },
    WindowsZone { id: "Bahia Standard Time", iana: "America/Bahia", utc_offset_minutes: -180, label: "Salvador" },
    WindowsZone { id: "UTC-02", iana: "Etc/GMT+2", utc_offset_minutes: -120, label: "Coordinated Universal Time-02" },
    WindowsZone { id: "Azores Standard Time", iana: "Atlantic/Azores", utc_offset_minutes: -60, label: "Azores" },
    WindowsZone { id: "Cape Verde Standard Time", iana: "Atlantic/Cape_Verde", utc_offset_minutes: -60, label: "Cabo Verde Is." },
    WindowsZone { id: "UTC", iana: "Etc/UTC", utc_offset_minutes: 0, label: "Coordinated Universal Time" },
    WindowsZone { id: "GMT Standard Time", iana: "Europe/London", utc_offset_minutes: 0, label: "Dublin, Edinburgh, Lisbon, London" },
    WindowsZone { id: "Greenwich Standard Time", iana: "Atlantic/Reykjavik", utc_offset_minutes: 0, label: "Monrovia, Reykjavik" },
    WindowsZone { id: "Sao Tome Standard Time", iana: "Africa/Sao_Tome", utc_offset_minutes: 0, label: "Sao Tome" },
    WindowsZone { id: "Morocco Standard Time", iana: "Africa/Casablanca", utc_offset_minutes: 60, label: "Casablanca" },
    WindowsZone { id: "W. Europe Standard Time", iana: "Europe/Berlin", utc_offset_minutes: 60, label: "Amsterdam, Berlin, Bern, Rome, Stockholm, Vienna" },
    WindowsZone { id: "Central Europe Standard Time", iana: "Europe/Budapest", utc_offset_minutes: 60, label: "Belgrade, Bratislava, Budapest, Ljubljana, Prague" },
    WindowsZone { id: "Romance Standard Time", iana: "Europe/Paris", utc_offset_minutes: 60, label: "Brussels, Copenhagen, Madrid, Paris" },
    WindowsZone { id: "Central European Standard Time", iana: "Europe/Warsaw", utc_offset_minutes: 60, label: "Sarajevo, Skopje, Warsaw, Zagreb" },
    WindowsZone { id: "W. Central Africa Standard Time", iana: "Africa/Lagos", utc_offset_minutes: 60, label: "West Central Africa" },
    WindowsZone { id: "Jordan Standard Time", iana: "Asia/Amman", utc_offset_minutes: 120, label: "Amman" },
    WindowsZone { id: "GTB Standard Time", iana: "Europe/Bucharest", utc_offset_minutes: 120, label: "Athens, Bucharest" },
    WindowsZone { id: "Middle East Standard Time", iana: "Asia/Beirut", utc_offset_minutes: 120, label: "Beirut" },
    WindowsZone { id: "Egypt Standard Time", iana: "Africa/Cairo", utc_offset_minutes: 120, label: "Cairo" },
    WindowsZone { id: "E. Europe Standard Time", iana: "Europe/Chisinau", utc_offset_minutes: 120, label: "Chisinau" },
    WindowsZone { id: "Syria Standard Time", iana: "Asia/Damascus", utc_offset_minutes: 120, label: "Damascus" },
    WindowsZone { id: "West Bank Standard Time", iana: "Asia/Hebron", utc_offset_minutes: 120, label: "Gaza, Hebron" },
    WindowsZone { id: "South Africa Standard Time", iana: "Africa/Johannesburg", utc_offset_minutes: 120, label: "Harare, Pretoria" },
    WindowsZone { id: "FLE Standard Time", iana: "Europe/Kiev", utc_offset_minutes: 120, label: "Helsinki, Kyiv, Riga, Sofia, Tallinn, Vilnius" },
    WindowsZone { id: "Israel Standard Time", iana: "Asia/Jerusalem", utc_offset_minutes: 120, label: "Jerusalem" },
    WindowsZone { id: "South Sudan Standard Time", iana: "Africa/Juba", utc_offset_minutes: 120, label: "Juba" },
    WindowsZone { id: "Kaliningrad Standard Time", iana: "Europe/Kaliningrad", utc_offset_minutes: 120, label: "Kaliningrad" },
    WindowsZone { id: "Sudan Standard Time", iana: "Africa/Khartoum", utc_offset_minutes: 120, label: "Khartoum" },
    WindowsZone { id: "Libya Standard Time", iana: "Africa/Tripoli", utc_offset_minutes: 120, label: "Tripoli" },
    WindowsZone { id: "Namibia Standard Time", iana: "Africa/Windhoek", utc_offset_minutes: 120, label: "Windhoek" },
    WindowsZone { id: "Arabic Standard Time", iana: "Asia/Baghdad", utc_offset_minutes: 180, label: "Baghdad" },
    WindowsZone { id: "Turkey Standard Time", iana: "Europe/Istanbul", utc_offset_minutes: 180, label: "Istanbul" },
    WindowsZone { id: "Arab Standard Time", iana: "Asia/Riyadh", utc_offset_minutes: 180, label: "Kuwait, Riyadh" },
    WindowsZone { id: "Belarus Standard Time", iana: "Europe/Minsk", utc_offset_minutes: 180, label: "Minsk" },
    WindowsZone { id: "Russian Standard Time", iana: "Europe/Moscow", utc_offset_minutes: 180, label: "Moscow, St. Petersburg" },
    WindowsZone { id: "E. Africa Standard Time", iana: "Africa/Nairobi", utc_offset_minutes: 180, label: "Nairobi" },
    WindowsZone { id: "Iran Standard Time", iana: "Asia/Tehran", utc_offset_minutes: 210, label: "Tehran" },
    WindowsZone { id: "Arabian Standard Time", iana: "Asia/Dubai", utc_offset_minutes: 240, label: "Abu Dhabi, Muscat" },
    WindowsZone { id: "Astrakhan Standard Time", iana: "Europe/Astrakhan", utc_offset_minutes: 240, label: "Astrakhan, Ulyanovsk" },
    WindowsZone { id: "Azerbaijan Standard Time", iana: "Asia/Baku", utc_offset_minutes: 240, label: "Baku" },
    WindowsZone { id: "Russia Time Zone 3", iana: "Europe/Samara", utc_offset_minutes: 240, label: "Izhevsk, Samara" },
    WindowsZone { id: "Mauritius Standard Time", iana: "Indian/Mauritius", utc_offset_minutes: 240, label: "Port Louis" },
    WindowsZone { id: "Saratov Standard Time", iana: "Europe/Saratov", utc_offset_minutes: 240, label: "Saratov" },
    WindowsZone { id: "Georgian Standard Time", iana: "Asia/Tbilisi", utc_offset_minutes: 240, label: "Tbilisi" },
    WindowsZone { id: "Volgograd Standard Time", iana: "Europe/Volgograd", utc_offset_minutes: 240, label: "Volgograd" },
    WindowsZone { id: "Caucasus Standard Time", iana: "Asia/Yerevan", utc_offset_minutes: 240, label: "Yerevan" },
    WindowsZone { id: "Afghanistan Standard Time", iana: "Asia/Kabul", utc_offset_minutes: 270, label: "Kabul" },
    WindowsZone { id: "West Asia Standard Time", iana: "Asia/Tashkent", utc_offset_minutes: 300, label: "Ashgabat, Tashkent" },
    WindowsZone { id: "Ekaterinburg Standard Time", iana: "Asia/Yekaterinburg", utc_offset_minutes: 300, label: "Ekaterinburg" },
    WindowsZone { id: "Pakistan Standard Time", iana: "Asia/Karachi", utc_offset_minutes: 300, label: "Islamabad, Karachi" },
    WindowsZone { id: "Qyzylorda Standard Time", iana: "Asia/Qyzylorda", utc_offset_minutes: 300, label: "Qyzylorda" },
    WindowsZone { id: "India Standard Time", iana: "Asia/Calcutta", utc_offset_minutes: 330, label: "Chennai, Kolkata, Mumbai, New Delhi" },
    WindowsZone { id: "Sri Lanka Standard Time", iana: "Asia/Colombo", utc_offset_minutes: 330, label: "Sri Jayawardenepura" },
    WindowsZone { id: "Nepal Standard Time", iana: "Asia/Katmandu", utc_offset_minutes: 345, label: "Kathmandu" },
    WindowsZone { id: "Central Asia Standard Time", iana: "Asia/Bishkek", utc_offset_minutes: 360, label: "Astana" },
    WindowsZone { id: "Bangladesh Standard Time", iana: "Asia/Dhaka", utc_offset_minutes: 360, label: "Dhaka" },
    WindowsZone { id: "Omsk Standard Time", iana: "Asia/Omsk", utc_offset_minutes: 360, label: "Omsk" },
    WindowsZone { id: "Myanmar Standard Time", iana: "Asia/Rangoon", utc_offset_minutes: 390, label: "Yangon (Rangoon)" },
    WindowsZone { id: "SE Asia Standard Time", iana: "Asia/Bangkok", utc_offset_minutes: 420, label: "Bangkok, Hanoi, Jakarta" },
    WindowsZone { id: "Altai Standard Time", iana: "Asia/Barnaul", utc_offset_minutes: 420, label: "Barnaul, Gorno-Altaysk" },
    WindowsZone { id: "W. Mongolia Standard Time", iana: "Asia/Hovd", utc_offset_minutes: 420, label: "Hovd" },
    WindowsZone { id: "North Asia Standard Time", iana: "Asia/Krasnoyarsk", utc_offset_minutes: 420, label: "Krasnoyarsk" },
    WindowsZone { id: "N. Central Asia Standard Time", iana: "Asia/Novosibirsk", utc_offset_minutes: 420, label: "Novosibirsk" },
    WindowsZone { id: "Tomsk Standard Time", iana: "Asia/Tomsk", utc_offset_minutes: 420, label: "Tomsk" },
    WindowsZone { id: "China Standard Time", iana: "Asia/Shanghai", utc_offset_minutes: 480, label: "Beijing, Chongqing, Hong Kong, Urumqi" },
    WindowsZone { id: "North Asia East Standard Time", iana: "Asia/Irkutsk", utc_offset_minutes: 480, label: "Irkutsk" },
    WindowsZone { id: "Singapore Standard Time", iana: "Asia/Singapore", utc_offset_minutes: 480, label: "Kuala Lumpur, Singapore" },
    WindowsZone { id: "W. Australia Standard Time", iana: "Australia/Perth", utc_offset_minutes: 480, label: "Perth" },
    WindowsZone { id: "Taipei Standard Time", iana: "Asia/Taipei", utc_offset_minutes: 480, label: "Taipei" },
    WindowsZone { id: "Ulaanbaatar Standard Time", iana: "Asia/Ulaanbaatar", utc_offset_minutes: 480, label: "Ulaanbaatar" },
    WindowsZone { id: "Aus Central W. Standard Time", iana: "Australia/Eucla", utc_offset_minutes: 525, label: "Eucla" },
    WindowsZone { id: "Transbaikal Standard Time", iana: "Asia/Chita", utc_offset_minutes: 540, label: "Chita" },
    WindowsZone { id: "Tokyo Standard Time", iana: "Asia/Tokyo", utc_offset_minutes: 540, label: "Osaka, Sapporo, Tokyo" },
    WindowsZone { id: "North Korea Standard Time", iana: "Asia/Pyongyang", utc_offset_minutes: 540, label: "Pyongyang" },
    WindowsZone { id: "Korea Standard Time", iana: "Asia/Seoul", utc_offset_minutes: 540, label: "Seoul" },
    WindowsZone { id: "Yakutsk Standard Time", iana: "Asia/Yakutsk", utc_offset_minutes: 540, label: "Yakutsk" },
    WindowsZone { id: "Cen. Australia Standard Time", iana: "Australia/Adelaide", utc_offset_minutes: 570, label: "Adelaide" },
    WindowsZone { id: "AUS Central Standard Time", iana: "Australia/Darwin", utc_offset_minutes: 570, label: "Darwin" },
    WindowsZone { id: "E. Australia Standard Time", iana: "Australia/Brisbane", utc_offset_minutes: 600, label: "Brisbane" },
    WindowsZone { id: "AUS Eastern Standard Time", iana: "Australia/Sydney", utc_offset_minutes: 600, label: "Canberra, Melbourne, Sydney" },
    WindowsZone { id: "West Pacific Standard Time", iana: "Pacific/Port_Moresby", utc_offset_minutes: 600, label: "Guam, Port Moresby" },
    WindowsZone { id: "Tasmania Standard Time", iana: "Australia/Hobart", utc_offset_minutes: 600, label: "Hobart" },
    WindowsZone { id: "Vladivostok Standard Time", iana: "Asia/Vladivostok", utc_offset_minutes: 600, label: "Vladivostok" },
    WindowsZone { id: "Lord Howe Standard Time", iana: "Australia/Lord_Howe", utc_offset_minutes: 630, label: "Lord Howe Island" },
    WindowsZone { id: "Bougainville Standard Time", iana: "Pacific/Bougainville", utc_offset_minutes: 660, label: "Bougainville Island" },
    WindowsZone { id: "Russia Time Zone 10", iana: "Asia/Srednekolymsk", utc_offset_minutes: 660, label: "Chokurdakh" },
    WindowsZone { id: "Magadan Standard Time", iana: "Asia/Magadan", utc_offset_minutes: 660, label: "Magadan" },
    WindowsZone { id: "Norfolk Standard Time", iana: "Pacific/Norfolk", utc_offset_minutes: 660, label: "Norfolk Island" },
    WindowsZone { id: "Sakhalin Standard Time", iana: "Asia/Sakhalin", utc_offset_minutes: 660, label: "Sakhalin" },
    WindowsZone { id: "Central Pacific Standard Time", iana: "Pacific/Guadalcanal", utc_offset_minutes: 660, label: "Solomon Is., New Caledonia" },
    WindowsZone { id: "Russia Time Zone 11", iana: "Asia/Kamchatka", utc_offset_minutes: 720, label: "Anadyr, Petropavlovsk-Kamchatsky" },
    WindowsZone { id: "New Zealand Standard Time", iana: "Pacific/Auckland", utc_offset_minutes: 720, label: "Auckland, Wellington" },
    WindowsZone { id: "UTC+12", iana: "Etc/GMT-12", utc_offset_minutes: 720, label: "Coordinated Universal Time+12" },
    WindowsZone { id: "Fiji Standard Time", iana: "Pacific/Fiji", utc_offset_minutes: 720, label: "Fiji" },
    WindowsZone { id: "Chatham Islands Standard Time", iana: "Pacific/Chatham", utc_offset_minutes: 765, label: "Chatham Islands" },
    WindowsZone { id: "UTC+13", iana: "Etc/GMT-13", utc_offset_minutes: 780, label: "Coordinated Universal Time+13" },
    WindowsZone { id: "Tonga Standard Time", iana: "Pacific/Tongatapu", utc_offset_minutes: 780, label: "Nuku'alofa" },
    WindowsZone { id: "Samoa Standard Time", iana: "Pacific/Apia", utc_offset_minutes: 780, label: "Samoa" },
    WindowsZone { id: "Line Islands Standard Time", iana: "Pacific/Kiritimati", utc_offset_minutes: 840, label: "Kiritimati Island" },
];

/// Ids Windows no longer ships but older Exchange and Outlook versions still write.
#[rustfmt::skip]
const RETIRED_IDS: &[(&str, &str)] = &[
    ("Mid-Atlantic Standard Time", "Etc/GMT+2"),
    ("Kamchatka Standard Time", "Asia/Kamchatka"),
    ("Armenian Standard Time", "Asia/Yerevan"),
    ("Mexico Standard Time", "America/Mexico_City"),
    ("Mexico Standard Time 2", "America/Chihuahua"),
    ("Greenwich Mean Time", "Europe/London"),
];

/// The IANA zone for a Windows zone id (`W. Europe Standard Time`) or display name
/// (`(GMT+10:00) Canberra, Melbourne, Sydney`), compared case-insensitively.
pub fn iana(name: &str) -> Option<&'static str> {
    let name = name.trim().trim_matches('"').trim();
    if name.is_empty() {
        return None;
    }
    by_id(name).or_else(|| by_display_name(name))
}

fn by_id(name: &str) -> Option<&'static str> {
    // Some writers name the summer half of a zone ("Pacific Daylight Time").
    let standard = replace_ignore_case(name, " daylight time", " standard time");
    let name = standard.as_deref().unwrap_or(name);
    ZONES
        .iter()
        .map(|zone| (zone.id, zone.iana))
        .chain(RETIRED_IDS.iter().copied())
        .find(|(id, _)| id.eq_ignore_ascii_case(name))
        .map(|(_, iana)| iana)
}

/// Display names: the label after the offset is matched exactly, else by the places it
/// lists (older Windows versions list slightly different places), among the zones with
/// the same standard offset. A label naming no known place falls back to the fixed
/// offset (`Etc/GMT-10`) when it is a whole number of hours.
fn by_display_name(name: &str) -> Option<&'static str> {
    let (offset, label) = split_offset(name);
    let label = normalise(label);
    if let Some(zone) = ZONES
        .iter()
        .find(|zone| normalise(zone.label) == label && offset.is_none_or(|o| o == zone.utc_offset_minutes))
    {
        return Some(zone.iana);
    }
    let places = places(&label);
    let shared_places = |zone: &WindowsZone| {
        let zone_places = places_of(zone.label);
        places.iter().filter(|place| zone_places.contains(place)).count()
    };
    let best = |offset_must_match: bool| {
        ZONES
            .iter()
            .filter(|zone| !offset_must_match || offset == Some(zone.utc_offset_minutes))
            .map(|zone| (shared_places(zone), zone))
            .filter(|(shared, _)| *shared > 0)
            // max_by_key keeps the last of equals; reversing keeps the first in CLDR order.
            .rev()
            .max_by_key(|(shared, _)| *shared)
            .map(|(_, zone)| zone.iana)
    };
    match offset {
        Some(minutes) => best(true).or_else(|| fixed_offset_zone(minutes)),
        None => best(false),
    }
}

/// Splits `(UTC+10:00) Label`, `(GMT-05.00) Label` or `(GMT) Label` into the offset in
/// minutes and the label.
fn split_offset(name: &str) -> (Option<i32>, &str) {
    let Some(inner_end) = name.find(')').filter(|_| name.starts_with('(')) else {
        return (None, name);
    };
    let inner = &name[1..inner_end];
    let label = name[inner_end + 1..].trim();
    let upper = inner.to_ascii_uppercase();
    let Some(rest) = upper.strip_prefix("UTC").or_else(|| upper.strip_prefix("GMT")) else {
        return (None, name);
    };
    let rest = rest.trim();
    if rest.is_empty() {
        return (Some(0), label);
    }
    let (sign, digits) = match rest.as_bytes().first() {
        Some(b'+') => (1, &rest[1..]),
        Some(b'-') => (-1, &rest[1..]),
        _ => return (None, label),
    };
    let mut parts = digits.split([':', '.']);
    let hours: Option<i32> = parts.next().and_then(|h| h.trim().parse().ok());
    let minutes: i32 = parts.next().and_then(|m| m.trim().parse().ok()).unwrap_or(0);
    (hours.map(|h| sign * (h * 60 + minutes)), label)
}

fn fixed_offset_zone(minutes: i32) -> Option<&'static str> {
    if minutes % 60 != 0 {
        return None;
    }
    // Etc/GMT signs are inverted: Etc/GMT-10 is UTC+10.
    const EAST: [&str; 15] = [
        "Etc/UTC",
        "Etc/GMT-1",
        "Etc/GMT-2",
        "Etc/GMT-3",
        "Etc/GMT-4",
        "Etc/GMT-5",
        "Etc/GMT-6",
        "Etc/GMT-7",
        "Etc/GMT-8",
        "Etc/GMT-9",
        "Etc/GMT-10",
        "Etc/GMT-11",
        "Etc/GMT-12",
        "Etc/GMT-13",
        "Etc/GMT-14",
    ];
    const WEST: [&str; 13] = [
        "Etc/UTC",
        "Etc/GMT+1",
        "Etc/GMT+2",
        "Etc/GMT+3",
        "Etc/GMT+4",
        "Etc/GMT+5",
        "Etc/GMT+6",
        "Etc/GMT+7",
        "Etc/GMT+8",
        "Etc/GMT+9",
        "Etc/GMT+10",
        "Etc/GMT+11",
        "Etc/GMT+12",
    ];
    let hours = usize::try_from((minutes / 60).unsigned_abs()).ok()?;
    if minutes >= 0 { EAST.get(hours) } else { WEST.get(hours) }.copied()
}

fn normalise(label: &str) -> String {
    label.split_whitespace().collect::<Vec<_>>().join(" ").to_lowercase()
}

/// The places a label lists: `Greenwich Mean Time : Dublin, Edinburgh` → those three.
fn places(label: &str) -> Vec<String> {
    label
        .split([',', ':'])
        .map(normalise)
        .filter(|place| !place.is_empty())
        .collect()
}

fn places_of(label: &str) -> Vec<String> {
    places(&normalise(label))
}

fn replace_ignore_case(text: &str, from: &str, to: &str) -> Option<String> {
    let lower = text.to_ascii_lowercase();
    let at = lower.find(from)?;
    Some(format!("{}{}{}", &text[..at], to, &text[at + from.len()..]))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_table_zone_is_known_to_chrono_tz() {
        for (id, zone) in ZONES.iter().map(|z| (z.id, z.iana)).chain(RETIRED_IDS.iter().copied()) {
            assert!(zone.parse::<chrono_tz::Tz>().is_ok(), "{id} → {zone}");
        }
        for minutes in (-12..=14).map(|h| h * 60) {
            let zone = fixed_offset_zone(minutes).expect("whole hours have a fixed zone");
            assert!(zone.parse::<chrono_tz::Tz>().is_ok(), "{zone}");
        }
    }

    #[test]
    fn windows_ids() {
        assert_eq!(iana("W. Europe Standard Time"), Some("Europe/Berlin"));
        assert_eq!(iana("w. europe standard time"), Some("Europe/Berlin"));
        assert_eq!(iana("\"Pacific Standard Time\""), Some("America/Los_Angeles"));
        assert_eq!(iana("Pacific Daylight Time"), Some("America/Los_Angeles"));
        assert_eq!(iana("GMT Standard Time"), Some("Europe/London"));
        assert_eq!(iana("Greenwich Standard Time"), Some("Atlantic/Reykjavik"));
        assert_eq!(iana("Jordan Standard Time"), Some("Asia/Amman"));
        assert_eq!(iana("UTC"), Some("Etc/UTC"));
        assert_eq!(iana("Central Standard Time"), Some("America/Chicago"));
        assert_eq!(iana("Central Standard Time (Mexico)"), Some("America/Mexico_City"));
        assert_eq!(iana("US Mountain Standard Time"), Some("America/Phoenix"));
        assert_eq!(iana("Eastern Standard Time"), Some("America/New_York"));
        assert_eq!(iana("Romance Standard Time"), Some("Europe/Paris"));
        assert_eq!(iana("AUS Eastern Standard Time"), Some("Australia/Sydney"));
        assert_eq!(iana("Mexico Standard Time 2"), Some("America/Chihuahua"));
        assert_eq!(iana("Europe/Paris"), None);
        assert_eq!(iana(""), None);
    }

    #[test]
    fn display_names() {
        assert_eq!(
            iana("(GMT+10:00) Canberra, Melbourne, Sydney"),
            Some("Australia/Sydney")
        );
        assert_eq!(iana("(UTC-05:00) Eastern Time (US & Canada)"), Some("America/New_York"));
        assert_eq!(iana("(GMT-05:00) Eastern Time (US & Canada)"), Some("America/New_York"));
        assert_eq!(
            iana("(UTC+01:00) Brussels, Copenhagen, Madrid, Paris"),
            Some("Europe/Paris")
        );
        assert_eq!(
            iana("(GMT+01:00) Amsterdam, Berlin, Bern, Rome, Stockholm, Vienna"),
            Some("Europe/Berlin")
        );
        assert_eq!(iana("(UTC) Coordinated Universal Time"), Some("Etc/UTC"));
        // Older labels list other places: matched by the places they share.
        assert_eq!(
            iana("(GMT) Greenwich Mean Time : Dublin, Edinburgh, Lisbon, London"),
            Some("Europe/London")
        );
        assert_eq!(
            iana("(GMT+02:00) Helsinki, Kiev, Riga, Sofia, Tallinn, Vilnius"),
            Some("Europe/Kiev")
        );
        assert_eq!(
            iana("(GMT+03:00) Moscow, St. Petersburg, Volgograd"),
            Some("Europe/Moscow")
        );
        assert_eq!(iana("(GMT-06.00) Central Time (US & Canada)"), Some("America/Chicago"));
        // The offset prefix is the standard offset: it must agree with the place.
        assert_eq!(iana("(GMT-11:00) Midway Island, Samoa"), Some("Etc/GMT+11"));
        // An unknown label keeps its offset, as a fixed zone when it is whole hours.
        assert_eq!(iana("(UTC+03:00) Somewhere New"), Some("Etc/GMT-3"));
        assert_eq!(iana("(UTC+05:30) Somewhere New"), None);
        assert_eq!(iana("Sydney"), Some("Australia/Sydney"));
        assert_eq!(iana("Customized Time Zone"), None);
    }
}
