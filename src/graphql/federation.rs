//! Apollo Federation v2: the entity resolvers behind `_entities`, and the subgraph SDL.
//!
//! async-graphql answers `_service { sdl }` and `_entities` itself; each `#[graphql(entity)]`
//! method below adds `@key(fields: "id")` to its type and is reached only through `_entities`
//! (it is not a field of `Query`). `_entities` resolves its representations concurrently, so the
//! per-request loaders turn N representations of one type into one statement, with the caller's
//! visibility scope: a record the caller may not see resolves to `null`, as an unknown id does.

use async_graphql::registry::SDLExportOptions;
use async_graphql::{Context, ID, Object, Result};
use uuid::Uuid;

use super::action::Action;
use super::contact::Contact;
use super::error::IntoGql;
use super::event::Event;
use super::loaders::loaders;
use super::organisation::Organisation;
use super::resource::Resource;

/// The options async-graphql 7.0.19 itself uses for `_service { sdl }` (`query_root.rs`), so
/// that `passerelle schema` prints exactly what the subgraph answers.
pub(crate) fn sdl_options() -> SDLExportOptions {
    SDLExportOptions::new().federation().compose_directive()
}

/// The id of a representation. A key that is not a UUID names no record: it resolves to `null`
/// like an unknown id, instead of failing the whole `_entities` list.
fn key(id: &ID) -> Option<Uuid> {
    Uuid::parse_str(id.as_str().trim()).ok()
}

/// The entity resolvers, merged into `Query`.
#[derive(Default)]
pub struct EntityQuery;

#[Object]
impl EntityQuery {
    #[graphql(entity)]
    async fn find_organisation(&self, ctx: &Context<'_>, id: ID) -> Result<Option<Organisation>> {
        let Some(id) = key(&id) else { return Ok(None) };
        Ok(loaders(ctx).organisations.load_one(id).await.gql()?.map(Organisation))
    }

    #[graphql(entity)]
    async fn find_event(&self, ctx: &Context<'_>, id: ID) -> Result<Option<Event>> {
        let Some(id) = key(&id) else { return Ok(None) };
        Ok(loaders(ctx).events.load_one(id).await.gql()?.map(Event))
    }

    #[graphql(entity)]
    async fn find_resource(&self, ctx: &Context<'_>, id: ID) -> Result<Option<Resource>> {
        let Some(id) = key(&id) else { return Ok(None) };
        Ok(loaders(ctx).resources.load_one(id).await.gql()?.map(Resource))
    }

    #[graphql(entity)]
    async fn find_contact(&self, ctx: &Context<'_>, id: ID) -> Result<Option<Contact>> {
        let Some(id) = key(&id) else { return Ok(None) };
        Ok(loaders(ctx).contacts.load_one(id).await.gql()?.map(Contact))
    }

    #[graphql(entity)]
    async fn find_action(&self, ctx: &Context<'_>, id: ID) -> Result<Option<Action>> {
        let Some(id) = key(&id) else { return Ok(None) };
        Ok(loaders(ctx).actions.load_one(id).await.gql()?.map(Action))
    }
}
