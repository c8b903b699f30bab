//! When things happen: the retries of a failed message, and when digests fall due.

use std::time::Duration;

use chrono::{DateTime, Datelike, NaiveTime, TimeZone, Utc};
use entity::DigestFrequency;

use super::compose::HUB_ZONE;

/// The wait before attempt `attempts + 1` of a message that failed `attempts` times (at least
/// once): `base`, doubled at each further failure, at most `max`.
pub fn backoff(attempts: i32, base: Duration, max: Duration) -> Duration {
    let doublings = attempts.saturating_sub(1).clamp(0, 30) as u32;
    base.saturating_mul(1u32 << doublings).min(max)
}

/// When a digest of `frequency` is next due after `after`: the next `hour` o'clock in Paris
/// (digests land in the morning), on a Monday for a weekly one.
pub fn next_digest(frequency: DigestFrequency, after: DateTime<Utc>, hour: u32) -> DateTime<Utc> {
    let time = NaiveTime::from_hms_opt(hour.min(23), 0, 0).unwrap_or(NaiveTime::MIN);
    let mut date = after.with_timezone(&HUB_ZONE).date_naive();
    // At most eight days ahead (a week, and the day itself when its hour has passed).
    for _ in 0..9 {
        let due = HUB_ZONE
            .from_local_datetime(&date.and_time(time))
            .earliest()
            .map(|d| d.with_timezone(&Utc));
        let day_fits = frequency == DigestFrequency::Daily || date.weekday() == chrono::Weekday::Mon;
        if let Some(due) = due.filter(|d| *d > after && day_fits) {
            return due;
        }
        date = date.succ_opt().unwrap_or(date);
    }
    after + period(frequency)
}

/// How long a digest covers: a day or a week. A new subscription's first digest covers that
/// much before it was made, so that it is not empty for being early.
pub fn period(frequency: DigestFrequency) -> chrono::Duration {
    match frequency {
        DigestFrequency::Daily => chrono::Duration::days(1),
        DigestFrequency::Weekly => chrono::Duration::days(7),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &str) -> DateTime<Utc> {
        s.parse().expect("an instant")
    }

    #[test]
    fn retries_wait_longer_each_time_up_to_the_maximum() {
        let (base, max) = (Duration::from_secs(30), Duration::from_secs(3600));
        assert_eq!(backoff(1, base, max), Duration::from_secs(30));
        assert_eq!(backoff(2, base, max), Duration::from_secs(60));
        assert_eq!(backoff(4, base, max), Duration::from_secs(240));
        assert_eq!(backoff(8, base, max), max);
        assert_eq!(backoff(i32::MAX, base, max), max);
        assert_eq!(backoff(0, base, max), base);
        assert_eq!(backoff(5, Duration::ZERO, max), Duration::ZERO);
    }

    #[test]
    fn digests_fall_due_in_the_paris_morning() {
        // Winter: 07:00 in Paris is 06:00 UTC.
        assert_eq!(
            next_digest(DigestFrequency::Daily, at("2026-12-10T05:00:00Z"), 7),
            at("2026-12-10T06:00:00Z")
        );
        assert_eq!(
            next_digest(DigestFrequency::Daily, at("2026-12-10T06:00:00Z"), 7),
            at("2026-12-11T06:00:00Z")
        );
        // Summer: 05:00 UTC. 2026-07-01 is a Wednesday; the next Monday is the 6th.
        assert_eq!(
            next_digest(DigestFrequency::Weekly, at("2026-07-01T12:00:00Z"), 7),
            at("2026-07-06T05:00:00Z")
        );
        // A Monday before the hour: that same morning.
        assert_eq!(
            next_digest(DigestFrequency::Weekly, at("2026-07-06T04:00:00Z"), 7),
            at("2026-07-06T05:00:00Z")
        );
        // Across the spring change of hour (29 March 2026).
        assert_eq!(
            next_digest(DigestFrequency::Daily, at("2026-03-28T07:00:00Z"), 7),
            at("2026-03-29T05:00:00Z")
        );
    }
}
