//! Turning `AppError` into GraphQL errors with `extensions.code` (and `field` for bad input;
//! `reason` and the organisation for refusals).

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
    let denial = match &err {
        AppError::Forbidden(denial) => Some((
            denial.rule.as_str(),
            denial.organisation,
            denial.organisation_name.clone(),
        )),
        _ => None,
    };
    // The error is kept as the source: `refusal::Explain` names the organisation of a
    // refusal after execution.
    async_graphql::Error::new_with_source(err).extend_with(|_, ext| {
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
        if let Some((reason, organisation, name)) = denial {
            ext.set("reason", reason);
            if let Some(id) = organisation {
                ext.set("organisationId", id.to_string());
            }
            if let Some(name) = name {
                ext.set("organisationName", name);
            }
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

/// Resolves a nullable field whose refusal must not take its neighbours down: an error of
/// `body` is reported at the field's path and the field answers `null`. (async-graphql hands
/// a resolver's error to the field's parent, which nulls the whole object — the whole
/// answer for a root field — unless the field itself catches it, as here.)
pub(crate) async fn alone<T>(
    ctx: &async_graphql::Context<'_>,
    body: impl Future<Output = async_graphql::Result<T>>,
) -> async_graphql::Result<Option<T>> {
    match body.await {
        Ok(value) => Ok(Some(value)),
        Err(err) => {
            // `item` is the field being resolved, as async-graphql's own resolvers read it.
            ctx.add_error(ctx.set_error_path(err.into_server_error(ctx.item.pos)));
            Ok(None)
        }
    }
}
