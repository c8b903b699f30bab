//! Placeholder: being written.

use super::{ParseOptions, Parsed};

pub fn parse(_body: &[u8], _options: &ParseOptions) -> anyhow::Result<Parsed> {
    anyhow::bail!("not written yet")
}
