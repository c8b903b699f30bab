//! What every answer's errors carry, completed once the operation ran: a refusal names the
//! organisation whose editors may do what was refused (read through the request's loaders,
//! one batch for all the refusals of a response), and a field error that did not come from the
//! hub (an argument async-graphql could not read at execution) gets a code too.

use std::sync::Arc;

use async_graphql::extensions::{Extension, ExtensionContext, ExtensionFactory, NextExecute};
use async_graphql::{Response, ServerError, Value};

use super::loaders::Loaders;
use crate::error::AppError;

/// The extension; see the module.
pub struct Explain;

impl ExtensionFactory for Explain {
    fn create(&self) -> Arc<dyn Extension> {
        Arc::new(Explain)
    }
}

#[async_trait::async_trait]
impl Extension for Explain {
    // Around execution (not the whole request): the request's data (its loaders) is only
    // attached once the request is prepared.
    async fn execute(
        &self,
        ctx: &ExtensionContext<'_>,
        operation_name: Option<&str>,
        next: NextExecute<'_>,
    ) -> Response {
        let mut response = next.run(ctx, operation_name).await;
        match ctx.data_opt::<Loaders>() {
            Some(loaders) => explain(loaders, &mut response.errors).await,
            None => code_field_errors(&mut response.errors),
        }
        response
    }
}

/// What [`Explain`] does, for a response of the schema without extensions (see
/// `graphql::Schemas`): `loaders` read the organisations' names.
pub async fn explain(loaders: &Loaders, errors: &mut [ServerError]) {
    if errors.is_empty() {
        return;
    }
    name_organisations(loaders, errors).await;
    code_field_errors(errors);
}

/// Fills in the organisation's name of each refusal that has only its id.
async fn name_organisations(loaders: &Loaders, errors: &mut [ServerError]) {
    for error in errors {
        let Some(AppError::Forbidden(denial)) = error.source::<AppError>() else {
            continue;
        };
        let (Some(id), None) = (denial.organisation, denial.organisation_name.as_ref()) else {
            continue;
        };
        // Organisations are public: any caller may read the name. A lookup that fails
        // leaves the refusal as it was, still saying "its organisation".
        let Ok(Some(organisation)) = loaders.organisations.load_one(id).await else {
            continue;
        };
        let named = denial.clone().named(organisation.name.clone());
        error.message = named.to_string();
        error
            .extensions
            .get_or_insert_with(Default::default)
            .set("organisationName", organisation.name.clone());
        error.source = Some(Arc::new(AppError::Forbidden(named)));
    }
}

/// Gives a code to the field errors that have none: async-graphql's own, when an argument's
/// value (a variable, most often) cannot be read as its type at execution (`BAD_USER_INPUT`),
/// anything else `INTERNAL`. Errors of the whole request are coded by `exec`, which knows
/// whether the document parsed.
fn code_field_errors(errors: &mut [ServerError]) {
    for error in errors.iter_mut().filter(|e| !e.path.is_empty()) {
        let ext = error.extensions.get_or_insert_with(Default::default);
        if ext.get("code").is_some() {
            continue;
        }
        let unreadable = error.message.starts_with("Failed to parse")
            || error.message.starts_with("Invalid value")
            || error.message.starts_with("Expected input type");
        let code = if unreadable { "BAD_USER_INPUT" } else { "INTERNAL" };
        ext.set("code", Value::String(code.to_string()));
    }
}
