//! Placeholder: being written.

/// The IANA zone for a Windows zone name or display name.
pub fn iana(_name: &str) -> Option<&'static str> {
    None
}
