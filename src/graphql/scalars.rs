//! The hub's own scalars, named and described for the API's readers rather than after the Rust
//! types behind them: `DateTime` (an instant; a date alone is accepted on input) and `Date` (a
//! calendar day).

use async_graphql::{InputValueError, InputValueResult, Scalar, ScalarType, Value};
use chrono::{NaiveDate, Utc};

/// A day written as the API reads and writes it.
const DAY_FORMAT: &str = "%Y-%m-%d";

/// A moment in time, or a day, as the API reads it (see the scalar's description below).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DateTime {
    /// A date and time with its offset: an instant.
    At(chrono::DateTime<Utc>),
    /// A date alone (only ever read from input).
    Day(NaiveDate),
}

impl DateTime {
    /// The instant this stands for where no zone of its own applies: a date alone is the
    /// midnight that begins it in Paris time.
    pub fn instant(self) -> chrono::DateTime<Utc> {
        match self {
            DateTime::At(at) => at,
            DateTime::Day(day) => crate::feeds::time::midnight(chrono_tz::Europe::Paris, day),
        }
    }
}

impl From<chrono::DateTime<Utc>> for DateTime {
    fn from(at: chrono::DateTime<Utc>) -> Self {
        DateTime::At(at)
    }
}

/// The refusal of an input value, with the code every refusal carries.
fn refused<T: async_graphql::InputType>(message: String) -> InputValueError<T> {
    InputValueError::custom(message).with_extension("code", "BAD_USER_INPUT")
}

/// A moment in time.
///
/// Output: an instant in UTC, written in RFC 3339 with its offset and no fraction of a
/// second when it has none (`2027-03-08T08:30:00+00:00`).
///
/// Input: an RFC 3339 date and time with its offset (`2027-03-08T09:30:00+01:00` or
/// `2027-03-08T08:30:00Z`), or a date alone (`2027-03-08`). A date alone given as an event's
/// `startsAt` or `endsAt` makes the event all-day (see `CreateEventInput.startsAt`);
/// anywhere else it stands for the midnight that begins that day in Paris time
/// (`Europe/Paris`), so `startsAfter: "2027-01-01"` means from 1 January 2027, 00:00 in
/// France. A value that is neither is refused with `BAD_USER_INPUT`.
#[Scalar(
    name = "DateTime",
    specified_by_url = "https://datatracker.ietf.org/doc/html/rfc3339"
)]
impl ScalarType for DateTime {
    fn parse(value: Value) -> InputValueResult<Self> {
        let Value::String(text) = &value else {
            return Err(refused(format!(
                "{value} is not a date and time: give a string such as \"2027-03-08T09:30:00+01:00\" or \"2027-03-08\""
            )));
        };
        let text = text.trim();
        if let Ok(day) = NaiveDate::parse_from_str(text, DAY_FORMAT) {
            return Ok(DateTime::Day(day));
        }
        text.parse::<chrono::DateTime<Utc>>().map(DateTime::At).map_err(|_| {
            refused(format!(
                "\"{text}\" is not a date and time: give it in RFC 3339 with its offset \
                 (2027-03-08T09:30:00+01:00, or 2027-03-08T08:30:00Z), or a date alone (2027-03-08)"
            ))
        })
    }

    fn to_value(&self) -> Value {
        match self {
            DateTime::At(at) => Value::String(at.to_rfc3339()),
            DateTime::Day(day) => Value::String(day.format(DAY_FORMAT).to_string()),
        }
    }
}

/// A calendar day (see the scalar's description below).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Date(pub NaiveDate);

/// A calendar day, without a time or a zone, written `YYYY-MM-DD` (ISO 8601): `2027-03-08`.
/// Refused with `BAD_USER_INPUT` when it is not a real day (`2027-02-30`).
#[Scalar(
    name = "Date",
    specified_by_url = "https://www.iso.org/iso-8601-date-and-time-format.html"
)]
impl ScalarType for Date {
    fn parse(value: Value) -> InputValueResult<Self> {
        let Value::String(text) = &value else {
            return Err(refused(format!(
                "{value} is not a date: give a string such as \"2027-03-08\""
            )));
        };
        NaiveDate::parse_from_str(text.trim(), DAY_FORMAT)
            .map(Date)
            .map_err(|_| refused(format!("\"{text}\" is not a date: give it as YYYY-MM-DD (2027-03-08)")))
    }

    fn to_value(&self) -> Value {
        Value::String(self.0.format(DAY_FORMAT).to_string())
    }
}

impl From<NaiveDate> for Date {
    fn from(day: NaiveDate) -> Self {
        Date(day)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parsed(text: &str) -> Option<DateTime> {
        <DateTime as ScalarType>::parse(Value::String(text.into())).ok()
    }

    #[test]
    fn date_times_read_offsets_and_dates_alone() {
        let at = parsed("2027-03-08T09:30:00+01:00").map(DateTime::instant);
        assert_eq!(at.map(|a| a.to_rfc3339()).as_deref(), Some("2027-03-08T08:30:00+00:00"));
        let day = parsed("2027-03-08").expect("a day");
        assert_eq!(day, DateTime::Day(NaiveDate::from_ymd_opt(2027, 3, 8).expect("a day")));
        // Midnight in Paris is 23:00 UTC the day before in winter.
        assert_eq!(day.instant().to_rfc3339(), "2027-03-07T23:00:00+00:00");
        assert_eq!(parsed("2027-03-08T09:30"), None, "an offset is required");
        assert_eq!(parsed("next tuesday"), None);
        assert_eq!(parsed("2027-02-30"), None);
    }

    #[test]
    fn refusals_carry_a_code() {
        let err = <DateTime as ScalarType>::parse(Value::String("2027-03-08T09:30".into()))
            .expect_err("refused")
            .into_server_error(async_graphql::Pos::default());
        assert!(err.message.contains("RFC 3339"), "{}", err.message);
        let code = err.extensions.as_ref().and_then(|e| e.get("code")).cloned();
        assert_eq!(code, Some(Value::String("BAD_USER_INPUT".into())));
        assert!(<Date as ScalarType>::parse(Value::String("08/03/2027".into())).is_err());
        assert_eq!(
            <Date as ScalarType>::to_value(&Date(NaiveDate::from_ymd_opt(2027, 3, 8).expect("a day"))),
            Value::String("2027-03-08".into())
        );
    }
}
