//! Plain Rust rules of the domain: the write rules of every record type, the visibility
//! policy, and what may be shown of a secret address.
//!
//! Each record type's module holds its validated fields (what the store writes), a draft (a
//! new record as plain values) parsed by `XFields::parse`, and a patch (a change, field by
//! field) parsed by `XChange::parse`. Every entry point — GraphQL, the importer, the demo
//! data, the command line, the feeds — goes through these, so each field's rule is written
//! once. `validate` holds the building blocks (texts, URLs, e-mail addresses…), and
//! `rich_text` the one HTML rule of every long text.

pub mod action;
pub mod contact;
pub mod event;
pub mod experience_report;
pub mod feed;
pub mod indicators;
pub mod kit;
pub mod kit_loan;
pub mod organisation;
pub mod resource;
pub mod rich_text;
pub mod scope;
pub mod site;
pub mod validate;
pub mod words;

pub use scope::Scope;

use crate::error::{AppError, AppResult};

/// What a change does to one field: `Keep` it, `Clear` it (the client sent `null`), or
/// `Set` it to a new value.
#[derive(Clone, Debug, Default, PartialEq)]
pub enum Patch<T> {
    #[default]
    Keep,
    Clear,
    Set(T),
}

/// Every refusal found in an input, in the order its fields are checked: the first is what
/// GraphQL answers, the importer lists them all. Never empty.
#[derive(Clone, Debug)]
pub struct Invalid {
    first: AppError,
    rest: Vec<AppError>,
}

impl Invalid {
    /// The first field refused.
    pub fn first(&self) -> &AppError {
        &self.first
    }

    pub fn into_first(self) -> AppError {
        self.first
    }

    /// Every field refused (`BAD_USER_INPUT` errors), in check order.
    pub fn errors(&self) -> impl Iterator<Item = &AppError> {
        std::iter::once(&self.first).chain(&self.rest)
    }

    pub fn into_errors(self) -> Vec<AppError> {
        let mut all = Vec::with_capacity(1 + self.rest.len());
        all.push(self.first);
        all.extend(self.rest);
        all
    }
}

/// One field refused (a rule across fields, asked of the whole record).
impl From<AppError> for Invalid {
    fn from(first: AppError) -> Self {
        Invalid {
            first,
            rest: Vec::new(),
        }
    }
}

impl From<Invalid> for AppError {
    fn from(invalid: Invalid) -> Self {
        invalid.into_first()
    }
}

impl std::fmt::Display for Invalid {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        for (i, error) in self.errors().enumerate() {
            if i > 0 {
                f.write_str("; ")?;
            }
            write!(f, "{error}")?;
        }
        Ok(())
    }
}

impl std::error::Error for Invalid {}

/// Runs the rules of one input's fields, keeping every refusal in order: a refused field
/// does not stop the fields after it from being checked.
#[derive(Default)]
pub(crate) struct Checks {
    errors: Vec<AppError>,
}

impl Checks {
    /// What the rule accepted, or `T::default()` once its refusal is kept (the input is then
    /// refused as a whole by `finish`, so the stand-in is never used).
    pub(crate) fn value<T: Default>(&mut self, result: AppResult<T>) -> T {
        self.ok(result).unwrap_or_default()
    }

    /// What the rule accepted, or `None` once its refusal is kept.
    pub(crate) fn ok<T>(&mut self, result: AppResult<T>) -> Option<T> {
        match result {
            Ok(value) => Some(value),
            Err(error) => {
                self.errors.push(error);
                None
            }
        }
    }

    pub(crate) fn refuse(&mut self, error: AppError) {
        self.errors.push(error);
    }

    /// A change to a required field: `None` keeps it; `null` is refused.
    pub(crate) fn required<U, T>(
        &mut self,
        field: &str,
        patch: Patch<U>,
        rule: impl FnOnce(U) -> AppResult<T>,
    ) -> Option<T> {
        match patch {
            Patch::Keep => None,
            Patch::Clear => {
                self.refuse(AppError::bad_input(field, format!("{field} cannot be null")));
                None
            }
            Patch::Set(value) => self.ok(rule(value)),
        }
    }

    /// A change to an optional field: `None` keeps it; `null` gives the rule nothing, which
    /// clears the field.
    pub(crate) fn optional<U, T>(
        &mut self,
        patch: Patch<U>,
        rule: impl FnOnce(Option<U>) -> AppResult<Option<T>>,
    ) -> Option<Option<T>> {
        match patch {
            Patch::Keep => None,
            Patch::Clear => self.ok(rule(None)),
            Patch::Set(value) => self.ok(rule(Some(value))),
        }
    }

    /// `value` when no rule refused anything, else every refusal.
    pub(crate) fn finish<T>(self, value: T) -> Result<T, Invalid> {
        let mut errors = self.errors.into_iter();
        match errors.next() {
            None => Ok(value),
            Some(first) => Err(Invalid {
                first,
                rest: errors.collect(),
            }),
        }
    }
}

/// Completes a record's place from the official table (`places::complete`): what it lacks is
/// filled, what it holds is kept.
pub(crate) fn complete_place(
    postal_code: &mut Option<String>,
    city: &mut Option<String>,
    departement: &mut Option<String>,
    region: &mut Option<entity::Region>,
) -> Option<crate::places::Note> {
    let mut parts = crate::places::PlaceParts {
        postal_code: postal_code.take(),
        city: city.take(),
        departement: departement.take(),
        region: region.take(),
    };
    let note = crate::places::complete(&mut parts, &[]);
    *postal_code = parts.postal_code;
    *city = parts.city;
    *departement = parts.departement;
    *region = parts.region;
    note
}

/// Before a change that gives a new postal code or city is applied: the département and
/// région it does not give are derived again from the new place rather than kept from the old.
pub(crate) fn moved<T, U, V>(
    postal_code: &Option<Option<T>>,
    city: &Option<Option<U>>,
    departement: &mut Option<Option<V>>,
    region: &mut Option<Option<entity::Region>>,
) {
    let new_place = matches!(postal_code, Some(Some(_))) || matches!(city, Some(Some(_)));
    if new_place {
        departement.get_or_insert(None);
        region.get_or_insert(None);
    }
}

/// Replaces `target` when a change gives a new value.
pub(crate) fn put<T>(target: &mut T, value: Option<T>) {
    if let Some(value) = value {
        *target = value;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn field(error: &AppError) -> &str {
        match error {
            AppError::BadUserInput { field, .. } => field,
            other => panic!("not a field error: {other:?}"),
        }
    }

    #[test]
    fn checks_keep_every_refusal_in_order() {
        let mut c = Checks::default();
        let a: String = c.value(Err(AppError::bad_input("a", "a is bad")));
        let b = c.ok(Ok::<_, AppError>(2));
        c.refuse(AppError::bad_input("c", "c is bad"));
        assert_eq!((a.as_str(), b), ("", Some(2)));
        let invalid = c.finish(()).expect_err("refused");
        assert_eq!(field(invalid.first()), "a");
        assert_eq!(invalid.errors().map(field).collect::<Vec<_>>(), ["a", "c"]);
        assert_eq!(invalid.to_string(), "a is bad; c is bad");
        assert_eq!(field(&AppError::from(invalid)), "a");
        assert!(Checks::default().finish(1).is_ok());
    }

    #[test]
    fn null_is_refused_on_required_fields_and_clears_optional_ones() {
        let mut c = Checks::default();
        assert_eq!(c.required("title", Patch::<String>::Keep, Ok), None);
        assert_eq!(
            c.required("title", Patch::Set("x".to_string()), Ok),
            Some("x".to_string())
        );
        assert_eq!(c.optional(Patch::<String>::Clear, Ok), Some(None));
        assert_eq!(c.optional(Patch::<String>::Keep, Ok), None);
        assert!(c.finish(()).is_ok());
        let mut c = Checks::default();
        assert_eq!(c.required("title", Patch::<String>::Clear, Ok), None);
        match c.finish(()).expect_err("refused").into_first() {
            AppError::BadUserInput { field, message } => {
                assert_eq!((field.as_str(), message.as_str()), ("title", "title cannot be null"));
            }
            other => panic!("{other:?}"),
        }
    }
}
