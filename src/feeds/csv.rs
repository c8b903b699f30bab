//! Placeholder: being written.

use super::{ParseOptions, Parsed};

/// Target fields a CSV column can be mapped to.
pub const FIELDS: &[&str] = &[
    "uid",
    "title",
    "description",
    "location_name",
    "address",
    "postal_code",
    "city",
    "latitude",
    "longitude",
    "start",
    "end",
    "date",
    "start_time",
    "end_time",
    "all_day",
    "timezone",
    "url",
    "author",
    "organiser",
    "open_to_public",
    "status",
    "categories",
];

pub fn parse(_body: &[u8], _options: &ParseOptions) -> anyhow::Result<Parsed> {
    anyhow::bail!("not written yet")
}
