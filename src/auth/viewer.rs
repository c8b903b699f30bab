//! The caller of a request and the rights that follow from its role.

use entity::{ApiKeyScope, Role};
use uuid::Uuid;

use super::denial::{Denial, Rule, Standing, Task};
use crate::domain::Scope;
use crate::error::{AppError, AppResult};

/// Who is calling.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Actor {
    Anonymous,
    User {
        id: Uuid,
        email: String,
        role: Role,
        organisation_id: Option<Uuid>,
        must_change_password: bool,
        session_id: Uuid,
    },
    ApiKey {
        id: Uuid,
        organisation_id: Uuid,
        scope: ApiKeyScope,
    },
}

/// The caller of the current request.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Viewer {
    pub actor: Actor,
}

impl Viewer {
    pub fn anonymous() -> Self {
        Viewer {
            actor: Actor::Anonymous,
        }
    }

    /// The role the caller acts with: a read key acts as a member, a read-write key as an
    /// editor of its organisation.
    pub fn role(&self) -> Option<Role> {
        match &self.actor {
            Actor::Anonymous => None,
            Actor::User { role, .. } => Some(*role),
            Actor::ApiKey {
                scope: ApiKeyScope::Read,
                ..
            } => Some(Role::Member),
            Actor::ApiKey {
                scope: ApiKeyScope::ReadWrite,
                ..
            } => Some(Role::Editor),
        }
    }

    pub fn organisation_id(&self) -> Option<Uuid> {
        match &self.actor {
            Actor::Anonymous => None,
            Actor::User { organisation_id, .. } => *organisation_id,
            Actor::ApiKey { organisation_id, .. } => Some(*organisation_id),
        }
    }

    /// Whether the caller may read the private notes of a contact owned by `owner`: the
    /// owning organisation's members (and its API keys) and administrators only.
    pub fn may_read_contact_notes(&self, owner: Option<Uuid>) -> bool {
        self.is_admin() || (owner.is_some() && self.organisation_id() == owner)
    }

    /// `contacts` as the caller may read them: notes of other organisations' contacts removed.
    pub fn redact_contacts(&self, contacts: &mut [std::sync::Arc<entity::contact::Model>]) {
        for contact in contacts {
            if contact.notes.is_some() && !self.may_read_contact_notes(contact.organisation_id) {
                std::sync::Arc::make_mut(contact).notes = None;
            }
        }
    }

    pub fn user_id(&self) -> Option<Uuid> {
        match &self.actor {
            Actor::User { id, .. } => Some(*id),
            _ => None,
        }
    }

    pub fn is_anonymous(&self) -> bool {
        self.actor == Actor::Anonymous
    }

    pub fn is_admin(&self) -> bool {
        self.role() == Some(Role::Admin)
    }

    /// Whether a session must change its temporary password before anything else.
    pub fn must_change_password(&self) -> bool {
        matches!(
            self.actor,
            Actor::User {
                must_change_password: true,
                ..
            }
        )
    }

    /// What the caller may read (the one visibility policy).
    pub fn scope(&self) -> Scope {
        match self.role() {
            None => Scope::Public,
            Some(Role::Admin) => Scope::All,
            Some(_) => Scope::Partner {
                organisation: self.organisation_id(),
            },
        }
    }

    pub fn require_signed_in(&self) -> AppResult<()> {
        if self.is_anonymous() {
            return Err(AppError::Unauthenticated);
        }
        Ok(())
    }

    /// Only administrators may do `task`.
    pub fn require_admin(&self, task: Task) -> AppResult<()> {
        self.require_signed_in()?;
        if !self.is_admin() {
            return Err(AppError::Forbidden(Denial::new(Rule::AdminsOnly, task)));
        }
        Ok(())
    }

    /// Editors write their own organisation's records, admins every record: `task` on the
    /// records of `owner` (an organisation; none for records that belong to none).
    pub fn require_editor_of(&self, owner: Option<Uuid>, task: Task) -> AppResult<()> {
        self.require_signed_in()?;
        match self.role() {
            Some(Role::Admin) => Ok(()),
            Some(Role::Editor) if owner.is_some() && owner == self.organisation_id() => Ok(()),
            role => Err(AppError::Forbidden(Denial::editors_of(
                owner,
                task,
                Standing::of(role, self.is_key(), self.organisation_id(), owner),
            ))),
        }
    }

    /// Only a person's account may do `task` (an API key has no inbox and no scope of its
    /// own); anonymous callers are asked to sign in.
    pub fn require_person(&self, task: Task) -> AppResult<Uuid> {
        self.require_signed_in()?;
        self.user_id()
            .ok_or(AppError::Forbidden(Denial::new(Rule::AccountsOnly, task)))
    }

    pub fn is_key(&self) -> bool {
        matches!(self.actor, Actor::ApiKey { .. })
    }

    /// How the audit log names the caller: kind, id and a label.
    pub fn audit_actor(&self) -> crate::store::audit::Actor {
        use crate::store::audit::Actor as Audited;
        match &self.actor {
            Actor::Anonymous => Audited::Anonymous,
            Actor::User { id, email, .. } => Audited::User {
                id: *id,
                email: email.clone(),
            },
            Actor::ApiKey { id, .. } => Audited::ApiKey { id: *id },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn user(role: Role, org: Option<Uuid>) -> Viewer {
        Viewer {
            actor: Actor::User {
                id: Uuid::new_v4(),
                email: "a@example.org".into(),
                role,
                organisation_id: org,
                must_change_password: false,
                session_id: Uuid::new_v4(),
            },
        }
    }

    #[test]
    fn write_rules_follow_the_role() {
        let org = Some(Uuid::new_v4());
        let other = Some(Uuid::new_v4());
        assert!(matches!(
            Viewer::anonymous().require_editor_of(org, Task::ChangeEvents),
            Err(AppError::Unauthenticated)
        ));
        assert!(
            user(Role::Editor, org)
                .require_editor_of(org, Task::ChangeEvents)
                .is_ok()
        );
        assert!(matches!(
            user(Role::Editor, org).require_editor_of(other, Task::ChangeEvents),
            Err(AppError::Forbidden(_))
        ));
        assert!(matches!(
            user(Role::Editor, org).require_editor_of(None, Task::ChangeEvents),
            Err(AppError::Forbidden(_))
        ));
        assert!(matches!(
            user(Role::Member, org).require_editor_of(org, Task::ChangeEvents),
            Err(AppError::Forbidden(_))
        ));
        assert!(
            user(Role::Admin, None)
                .require_editor_of(other, Task::ChangeEvents)
                .is_ok()
        );
        let key = Viewer {
            actor: Actor::ApiKey {
                id: Uuid::new_v4(),
                organisation_id: Uuid::new_v4(),
                scope: ApiKeyScope::Read,
            },
        };
        assert_eq!(key.role(), Some(Role::Member));
        assert_eq!(Viewer::anonymous().scope(), Scope::Public);
        assert_eq!(user(Role::Admin, None).scope(), Scope::All);
    }
}
