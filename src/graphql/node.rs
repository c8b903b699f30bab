use async_graphql::{Context, ID, Interface, Object, Result};

use super::action::Action;
use super::contact::Contact;
use super::error::{IntoGql, parse_id};
use super::event::Event;
use super::exec::db;
use super::experience_report::ExperienceReport;
use super::kit::{Kit, KitLoan};
use super::loaders::loaders;
use super::organisation::Organisation;
use super::resource::Resource;
use crate::store;

/// An object with a globally unique id (Relay).
#[derive(Interface)]
#[graphql(field(name = "id", ty = "ID", desc = "The object's id, a UUID unique across every type."))]
pub enum Node {
    Organisation(Organisation),
    Contact(Contact),
    Resource(Resource),
    Event(Event),
    Action(Action),
    ExperienceReport(ExperienceReport),
    Kit(Kit),
    KitLoan(KitLoan),
}

/// `node(id)`, the Relay way to read any object.
#[derive(Default)]
pub struct NodeQuery;

#[Object]
impl NodeQuery {
    /// Any object by its id (Relay): an organisation, a contact, a resource, an event, an
    /// action or an experience report; null when there is none, or the caller may not see it.
    async fn node(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The object's id (a UUID; `BAD_USER_INPUT` otherwise).")] id: ID,
    ) -> Result<Option<Node>> {
        let id = parse_id("id", &id)?;
        let l = loaders(ctx);
        let node = match store::nodes::type_of(db(ctx), id).await.gql()? {
            Some("Organisation") => l
                .organisations
                .load_one(id)
                .await
                .gql()?
                .map(|m| Node::Organisation(Organisation(m))),
            Some("Contact") => l.contacts.load_one(id).await.gql()?.map(|m| Node::Contact(Contact(m))),
            Some("Resource") => l
                .resources
                .load_one(id)
                .await
                .gql()?
                .map(|m| Node::Resource(Resource(m))),
            Some("Event") => l.events.load_one(id).await.gql()?.map(|m| Node::Event(Event(m))),
            Some("Action") => l.actions.load_one(id).await.gql()?.map(|m| Node::Action(Action(m))),
            Some("ExperienceReport") => l
                .experience_reports
                .load_one(id)
                .await
                .gql()?
                .map(|m| Node::ExperienceReport(ExperienceReport(m))),
            Some("Kit") => l.kits.load_one(id).await.gql()?.map(|m| Node::Kit(Kit(m))),
            Some("KitLoan") => l.kit_loans.load_one(id).await.gql()?.map(|m| Node::KitLoan(KitLoan(m))),
            _ => None,
        };
        Ok(node)
    }
}
