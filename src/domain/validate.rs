//! Validation of user input. Every function names the offending field in its error,
//! and returns the value normalised (trimmed, canonical case) when it is accepted.

use chrono::{DateTime, Utc};

use crate::error::{AppError, AppResult};

pub const TITLE_MAX: usize = 200;
pub const NAME_MAX: usize = 100;
pub const LONG_TEXT_MAX: usize = 20_000;
pub const URL_MAX: usize = 2048;
/// Tags a record holds at most, and characters a tag holds at most.
pub const TAGS_MAX: usize = 30;
pub const TAG_MAX: usize = 50;

fn has_control(value: &str, allow_newlines: bool) -> bool {
    value
        .chars()
        .any(|c| c.is_control() && !(allow_newlines && matches!(c, '\n' | '\r' | '\t')))
}

/// The Unicode bidirectional controls (embeddings, overrides, isolates and marks): they
/// reorder what a reader sees, so "\u{202E}gpj.exe" displays as "exe.jpg"; names and titles
/// refuse them, feeds strip them.
pub fn is_bidi_control(c: char) -> bool {
    matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{200E}' | '\u{200F}' | '\u{061C}')
}

/// `text` without its bidirectional controls, trimmed again: for texts taken as they come
/// (feeds) and long texts, which lose them rather than being refused.
pub fn without_bidi_controls(text: &str) -> String {
    if text.chars().any(is_bidi_control) {
        text.chars()
            .filter(|c| !is_bidi_control(*c))
            .collect::<String>()
            .trim()
            .to_string()
    } else {
        text.to_string()
    }
}

/// `text` cut to at most `max` characters (not bytes), for values from outside that may be
/// shortened rather than refused.
pub fn cut(text: &str, max: usize) -> String {
    match text.char_indices().nth(max) {
        Some((at, _)) => text[..at].trim_end().to_string(),
        None => text.to_string(),
    }
}

/// A required single-line text of 1..=max characters.
pub fn text(field: &str, value: &str, max: usize) -> AppResult<String> {
    let value = value.trim();
    if value.is_empty() {
        return Err(AppError::bad_input(field, format!("{field} must not be empty")));
    }
    if value.chars().count() > max {
        return Err(AppError::bad_input(
            field,
            format!("{field} must be at most {max} characters"),
        ));
    }
    if has_control(value, false) {
        return Err(AppError::bad_input(
            field,
            format!("{field} must be a single line of text"),
        ));
    }
    if value.chars().any(is_bidi_control) {
        return Err(AppError::bad_input(
            field,
            format!(
                "{field} ne doit pas contenir de caractères de contrôle bidirectionnel (U+202E…) / {field} must not contain bidirectional control characters (U+202E…)"
            ),
        ));
    }
    Ok(value.to_string())
}

/// An optional single-line text; blank means absent.
pub fn opt_text(field: &str, value: Option<String>, max: usize) -> AppResult<Option<String>> {
    match value {
        Some(v) if !v.trim().is_empty() => text(field, &v, max).map(Some),
        _ => Ok(None),
    }
}

/// A required long text under the one HTML rule (`rich_text::sanitise`): no control
/// character but line breaks and tabs, and 1..=max characters once sanitised (a text that
/// holds nothing once its markup is removed is refused as empty).
pub fn rich_text(field: &str, value: &str, max: usize) -> AppResult<String> {
    match opt_rich_text_of(field, value, max)? {
        Some(text) => Ok(text),
        None => Err(AppError::bad_input(field, format!("{field} must not be empty"))),
    }
}

/// An optional long text under the one HTML rule; blank, or nothing left once sanitised,
/// means absent.
pub fn opt_rich_text(field: &str, value: Option<String>) -> AppResult<Option<String>> {
    match value {
        Some(v) => opt_rich_text_of(field, &v, LONG_TEXT_MAX),
        None => Ok(None),
    }
}

fn opt_rich_text_of(field: &str, value: &str, max: usize) -> AppResult<Option<String>> {
    if has_control(value, true) {
        return Err(AppError::bad_input(
            field,
            format!("{field} contains control characters"),
        ));
    }
    let value = super::rich_text::sanitise(value);
    if value.is_empty() {
        return Ok(None);
    }
    // Counted once sanitised, so that what the hub stored is always accepted back.
    if value.chars().count() > max {
        return Err(AppError::bad_input(
            field,
            format!("{field} must be at most {max} characters"),
        ));
    }
    Ok(Some(value))
}

/// An absolute http(s) URL with a host.
pub fn url(field: &str, value: &str) -> AppResult<String> {
    let value = value.trim();
    if value.len() > URL_MAX {
        return Err(AppError::bad_input(
            field,
            format!("{field} must be at most {URL_MAX} characters"),
        ));
    }
    let parsed = url::Url::parse(value)
        .map_err(|_| AppError::bad_input(field, format!("{field} must be an absolute http or https URL")))?;
    if !matches!(parsed.scheme(), "http" | "https") || parsed.host_str().is_none_or(str::is_empty) {
        return Err(AppError::bad_input(
            field,
            format!("{field} must be an absolute http or https URL"),
        ));
    }
    Ok(parsed.to_string())
}

pub fn opt_url(field: &str, value: Option<String>) -> AppResult<Option<String>> {
    match value {
        Some(v) if !v.trim().is_empty() => url(field, &v).map(Some),
        _ => Ok(None),
    }
}

/// An e-mail address (RFC 5321 lengths, a dotted domain, no spaces); the domain is lowercased.
pub fn email(field: &str, value: &str) -> AppResult<String> {
    let value = value.trim();
    let invalid = || AppError::bad_input(field, format!("{field} must be a valid e-mail address"));
    let (local, domain) = value.rsplit_once('@').ok_or_else(invalid)?;
    let local_ok = !local.is_empty()
        && local.len() <= 64
        && !local.starts_with('.')
        && !local.ends_with('.')
        && !local.contains("..")
        && local
            .chars()
            .all(|c| c.is_alphanumeric() || "!#$%&'*+-/=?^_`{|}~.".contains(c));
    let labels: Vec<&str> = domain.split('.').collect();
    let domain_ok = domain.len() <= 253
        && labels.len() >= 2
        && labels.iter().all(|l| {
            !l.is_empty()
                && l.len() <= 63
                && !l.starts_with('-')
                && !l.ends_with('-')
                && l.chars().all(|c| c.is_alphanumeric() || c == '-')
        });
    if !local_ok || !domain_ok || value.len() > 254 {
        return Err(invalid());
    }
    Ok(format!("{local}@{}", domain.to_lowercase()))
}

pub fn opt_email(field: &str, value: Option<String>) -> AppResult<Option<String>> {
    match value {
        Some(v) if !v.trim().is_empty() => email(field, &v).map(Some),
        _ => Ok(None),
    }
}

/// A phone number: digits with optional leading `+` and separators; 6 to 15 digits (E.164).
pub fn phone(field: &str, value: &str) -> AppResult<String> {
    let value = value.split_whitespace().collect::<Vec<_>>().join(" ");
    let digits = value.chars().filter(char::is_ascii_digit).count();
    let chars_ok = value
        .chars()
        .enumerate()
        .all(|(i, c)| c.is_ascii_digit() || " .-()".contains(c) || (c == '+' && i == 0));
    if !chars_ok || !(6..=15).contains(&digits) {
        return Err(AppError::bad_input(
            field,
            format!("{field} must be a phone number of 6 to 15 digits, optionally starting with +"),
        ));
    }
    Ok(value)
}

pub fn opt_phone(field: &str, value: Option<String>) -> AppResult<Option<String>> {
    match value {
        Some(v) if !v.trim().is_empty() => phone(field, &v).map(Some),
        _ => Ok(None),
    }
}

/// A slug: lowercase ASCII letters and digits separated by single hyphens, 2 to 64 characters.
pub fn slug(field: &str, value: &str) -> AppResult<String> {
    let value = value.trim();
    let ok = (2..=64).contains(&value.len())
        && value
            .split('-')
            .all(|part| !part.is_empty() && part.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit()));
    if !ok {
        return Err(AppError::bad_input(
            field,
            format!("{field} must be 2 to 64 lowercase letters or digits separated by single hyphens"),
        ));
    }
    Ok(value.to_string())
}

/// A French département code: 01–95 (without 20), 2A, 2B, or 971–976.
pub fn departement(field: &str, value: &str) -> AppResult<String> {
    let value = value.trim().to_uppercase();
    let ok = match value.as_str() {
        "2A" | "2B" => true,
        v if v.len() == 2 => v.parse::<u8>().is_ok_and(|n| (1..=95).contains(&n) && n != 20),
        v if v.len() == 3 => v.parse::<u16>().is_ok_and(|n| (971..=976).contains(&n)),
        _ => false,
    };
    if !ok {
        return Err(AppError::bad_input(
            field,
            format!("{field} must be a département code such as 25, 2A or 974"),
        ));
    }
    Ok(value)
}

pub fn opt_departement(field: &str, value: Option<String>) -> AppResult<Option<String>> {
    match value {
        Some(v) if !v.trim().is_empty() => departement(field, &v).map(Some),
        _ => Ok(None),
    }
}

/// A French postal code: five digits.
pub fn opt_postal_code(field: &str, value: Option<String>) -> AppResult<Option<String>> {
    match value {
        Some(v) if !v.trim().is_empty() => {
            let v = v.trim();
            if v.len() == 5 && v.chars().all(|c| c.is_ascii_digit()) {
                Ok(Some(v.to_string()))
            } else {
                Err(AppError::bad_input(field, format!("{field} must be five digits")))
            }
        }
        _ => Ok(None),
    }
}

/// An IANA time zone name such as `Europe/Paris`.
pub fn timezone(field: &str, value: &str) -> AppResult<String> {
    let value = value.trim();
    value
        .parse::<chrono_tz::Tz>()
        .map(|tz| tz.name().to_string())
        .map_err(|_| AppError::bad_input(field, format!("{field} must be an IANA time zone such as Europe/Paris")))
}

/// A language tag: ISO 639 code, optionally with a region (`fr`, `en`, `fr-CA`).
pub fn language(field: &str, value: &str) -> AppResult<String> {
    let value = value.trim();
    let (lang, region) = match value.split_once('-') {
        Some((l, r)) => (l, Some(r)),
        None => (value, None),
    };
    let lang_ok = (2..=3).contains(&lang.len()) && lang.chars().all(|c| c.is_ascii_alphabetic());
    let region_ok = region.is_none_or(|r| r.len() == 2 && r.chars().all(|c| c.is_ascii_alphabetic()));
    if !lang_ok || !region_ok {
        return Err(AppError::bad_input(
            field,
            format!("{field} must be a language code such as fr or en"),
        ));
    }
    Ok(match region {
        Some(r) => format!("{}-{}", lang.to_lowercase(), r.to_uppercase()),
        None => lang.to_lowercase(),
    })
}

pub fn latitude(field: &str, value: Option<f64>) -> AppResult<Option<f64>> {
    match value {
        Some(v) if !(v.is_finite() && (-90.0..=90.0).contains(&v)) => Err(AppError::bad_input(
            field,
            format!("{field} must be between -90 and 90"),
        )),
        other => Ok(other),
    }
}

pub fn longitude(field: &str, value: Option<f64>) -> AppResult<Option<f64>> {
    match value {
        Some(v) if !(v.is_finite() && (-180.0..=180.0).contains(&v)) => Err(AppError::bad_input(
            field,
            format!("{field} must be between -180 and 180"),
        )),
        other => Ok(other),
    }
}

/// An event's end must not come before its start.
pub fn time_range(field: &str, starts: DateTime<Utc>, ends: Option<DateTime<Utc>>) -> AppResult<()> {
    match ends {
        Some(ends) if ends < starts => Err(AppError::bad_input(
            field,
            format!("{field} must not be before startsAt"),
        )),
        _ => Ok(()),
    }
}

/// Tags: trimmed, lowercased, deduplicated, at most 30 of at most 50 characters.
pub fn tags(field: &str, values: Vec<String>) -> AppResult<Vec<String>> {
    let mut out: Vec<String> = Vec::with_capacity(values.len());
    for value in values {
        let tag = text(field, &value, TAG_MAX)?.to_lowercase();
        if !out.contains(&tag) {
            out.push(tag);
        }
    }
    if out.len() > TAGS_MAX {
        return Err(AppError::bad_input(
            field,
            format!("{field} must hold at most {TAGS_MAX} tags"),
        ));
    }
    Ok(out)
}

/// Removes duplicates, keeping the first occurrence.
pub fn dedup<T: PartialEq>(values: Vec<T>) -> Vec<T> {
    let mut out = Vec::with_capacity(values.len());
    for v in values {
        if !out.contains(&v) {
            out.push(v);
        }
    }
    out
}

pub fn rating(field: &str, value: Option<i32>) -> AppResult<Option<i16>> {
    match value {
        None => Ok(None),
        Some(v @ 1..=5) => Ok(Some(v as i16)),
        Some(_) => Err(AppError::bad_input(field, format!("{field} must be between 1 and 5"))),
    }
}

pub fn count(field: &str, value: Option<i32>) -> AppResult<Option<i32>> {
    match value {
        Some(v) if v < 0 => Err(AppError::bad_input(field, format!("{field} must not be negative"))),
        other => Ok(other),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_and_normalises_good_input() {
        assert_eq!(text("title", "  Forum  ", 10).ok().as_deref(), Some("Forum"));
        assert_eq!(
            email("email", "Camille@Example.ORG").ok().as_deref(),
            Some("Camille@example.org")
        );
        assert_eq!(
            phone("phone", "+33 1  99 00 12 34").ok().as_deref(),
            Some("+33 1 99 00 12 34")
        );
        assert_eq!(slug("slug", "cmq-msi-bfc").ok().as_deref(), Some("cmq-msi-bfc"));
        assert_eq!(departement("d", "2a").ok().as_deref(), Some("2A"));
        assert_eq!(departement("d", "974").ok().as_deref(), Some("974"));
        assert_eq!(timezone("tz", "Europe/Paris").ok().as_deref(), Some("Europe/Paris"));
        assert_eq!(language("l", "FR-ca").ok().as_deref(), Some("fr-CA"));
        assert_eq!(
            url("u", "https://msi.cmq-bfc.org/collectif-femmes/").ok().as_deref(),
            Some("https://msi.cmq-bfc.org/collectif-femmes/")
        );
        assert_eq!(
            tags("t", vec![" Lycée ".into(), "lycée".into()]).ok(),
            Some(vec!["lycée".to_string()])
        );
    }

    #[test]
    fn names_and_titles_refuse_bidirectional_controls() {
        for c in [
            '\u{202A}', '\u{202B}', '\u{202C}', '\u{202D}', '\u{202E}', '\u{2066}', '\u{2067}', '\u{2068}', '\u{2069}',
            '\u{200E}', '\u{200F}', '\u{061C}',
        ] {
            let value = format!("Campus{c} des métiers");
            match text("name", &value, TITLE_MAX) {
                Err(AppError::BadUserInput { field, message }) => {
                    assert_eq!(field, "name");
                    assert!(message.contains("bidirectional control characters"), "{message}");
                }
                other => panic!("U+{:04X} accepted: {other:?}", c as u32),
            }
            assert!(opt_text("city", Some(value), TITLE_MAX).is_err());
        }
        // Right-to-left scripts themselves are welcome.
        assert!(text("name", "جمعية المهندسات", TITLE_MAX).is_ok());
    }

    #[test]
    fn rejects_bad_input_naming_the_field() {
        for err in [
            text("title", "   ", 10).err(),
            text("title", "a\u{7}b", 10).err(),
            text("title", "abcdefghijk", 10).err(),
            email("email", "not-an-email").err(),
            email("email", "a@b").err(),
            email("email", "a b@example.org").err(),
            phone("phone", "12345").err(),
            phone("phone", "01 23 45 67 89 ext").err(),
            slug("slug", "Bad Slug").err(),
            slug("slug", "a--b").err(),
            departement("d", "20").err(),
            departement("d", "99").err(),
            timezone("tz", "Mars/Olympus").err(),
            url("u", "javascript:alert(1)").err(),
            url("u", "/relative").err(),
            latitude("lat", Some(91.0)).err(),
            longitude("lon", Some(f64::NAN)).err(),
            rating("rating", Some(6)).err(),
            count("n", Some(-1)).err(),
        ] {
            match err {
                Some(AppError::BadUserInput { field, .. }) => assert!(!field.is_empty()),
                other => panic!("expected a BAD_USER_INPUT error, got {other:?}"),
            }
        }
        let starts = Utc::now();
        assert!(time_range("endsAt", starts, Some(starts - chrono::Duration::hours(1))).is_err());
        assert!(time_range("endsAt", starts, Some(starts)).is_ok());
    }
}
