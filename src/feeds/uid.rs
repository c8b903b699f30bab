//! The ids of events a source does not name, and of the instances of a series.
//!
//! Events are stored by (feed, source uid), so these outputs are stored data: a change here
//! would make every such event vanish and come back as a new one. Each format chooses the
//! parts that identify its items (and a prefix, for CSV and iCalendar); the tests pin what
//! they give.

use std::fmt::Write as _;

use chrono::{DateTime, Utc};
use sha2::{Digest, Sha256};

/// A stable id from the parts that identify an item: the first 128 bits of the SHA-256 of
/// the parts, each followed by U+001F (so `("ab", "c")` and `("a", "bc")` differ), as 32
/// lower-case hexadecimal digits.
pub fn stable(parts: &[&str]) -> String {
    let mut hasher = Sha256::new();
    for part in parts {
        hasher.update(part.as_bytes());
        hasher.update([0x1f]);
    }
    let mut uid = String::with_capacity(32);
    for byte in hasher.finalize().iter().take(16) {
        let _ = write!(uid, "{byte:02x}");
    }
    uid
}

/// `uid#20240105T130000Z`: one instance of the series `uid`, named by its original start in
/// UTC ([`super::FeedEvent::uid`]).
pub fn instance(uid: &str, original_start: DateTime<Utc>) -> String {
    format!("{uid}#{}", original_start.format("%Y%m%dT%H%M%SZ"))
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;

    #[test]
    fn stable_ids_are_pinned() {
        // Stored ids: these values must never change.
        assert_eq!(
            stable(&["Atelier", "2024-03-05T14:00", ""]),
            "f715b8f7e4cb1accb8a38ab5a46ed128"
        );
        assert_eq!(stable(&[]), "e3b0c44298fc1c149afbf4c8996fb924");
        assert_ne!(stable(&["ab", "c"]), stable(&["a", "bc"]));
    }

    #[test]
    fn instances_are_named_by_their_original_start() {
        let start = Utc.with_ymd_and_hms(2024, 1, 5, 13, 0, 0).single().expect("a date");
        assert_eq!(
            instance("series@example.org", start),
            "series@example.org#20240105T130000Z"
        );
    }
}
