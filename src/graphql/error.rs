//! Turning `AppError` into GraphQL errors with `extensions.code` (and `field` for bad input).

use async_graphql::ErrorExtensions;

use crate::error::AppError;

pub fn to_gql(err: AppError) -> async_graphql::Error {
    let code = err.code();
    let field = match &err {
        AppError::BadUserInput { field, .. } => Some(field.clone()),
        _ => None,
    };
    let conflicting_loan = match &err {
        AppError::BookingConflict { loan_id, .. } => Some(loan_id.to_string()),
        _ => None,
    };
    let retry_after = match &err {
        AppError::RateLimited { retry_after_secs } | AppError::Unavailable { retry_after_secs } => {
            Some(*retry_after_secs)
        }
        _ => None,
    };
    async_graphql::Error::new(err.to_string()).extend_with(|_, ext| {
        ext.set("code", code);
        if let Some(field) = field {
            ext.set("field", field);
        }
        if let Some(secs) = retry_after {
            ext.set("retryAfter", secs);
        }
        if let Some(loan) = conflicting_loan {
            ext.set("conflictingLoanId", loan);
        }
    })
}

/// `.gql()` on results of the store and domain layers.
pub trait IntoGql<T> {
    fn gql(self) -> async_graphql::Result<T>;
}

impl<T> IntoGql<T> for Result<T, AppError> {
    fn gql(self) -> async_graphql::Result<T> {
        self.map_err(to_gql)
    }
}

impl<T> IntoGql<T> for Result<T, sea_orm::DbErr> {
    fn gql(self) -> async_graphql::Result<T> {
        self.map_err(|e| to_gql(AppError::from(e)))
    }
}

/// Parses a GraphQL `ID` that must be a UUID.
pub fn parse_id(field: &str, id: &async_graphql::ID) -> async_graphql::Result<uuid::Uuid> {
    uuid::Uuid::parse_str(id.as_str().trim())
        .map_err(|_| to_gql(AppError::bad_input(field, format!("{field} is not a valid id"))))
}
