use async_graphql::{ID, Interface};

use super::action::Action;
use super::contact::Contact;
use super::event::Event;
use super::organisation::Organisation;
use super::report::ExperienceReport;
use super::resource::Resource;

/// An object with a globally unique id (Relay).
#[derive(Interface)]
#[graphql(field(name = "id", ty = "ID"))]
pub enum Node {
    Organisation(Organisation),
    Contact(Contact),
    Resource(Resource),
    Event(Event),
    Action(Action),
    ExperienceReport(ExperienceReport),
}
