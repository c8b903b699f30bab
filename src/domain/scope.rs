//! The visibility policy: what a caller may read. The store turns it into SQL conditions
//! (`store::scope_condition`); `permits` is the same policy for a record held in memory.

use entity::Visibility;
use uuid::Uuid;

/// What a caller may read: the one visibility policy, applied by every read of the store.
/// The default is the narrowest scope, so a read that forgets to set it hides rather than leaks.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum Scope {
    /// Anonymous callers: `PUBLIC` records only.
    #[default]
    Public,
    /// Signed-in partners: `PUBLIC` and `PARTNERS`, and `ORGANISATION` records of their own
    /// organisation.
    Partner { organisation: Option<Uuid> },
    /// Administrators: everything.
    All,
}

impl Scope {
    /// Whether this scope sees a record of `visibility` owned by `owner`: the policy the
    /// store's condition applies in SQL, for a record no longer in the database (a deleted
    /// event announced to subscribers).
    pub fn permits(self, visibility: Visibility, owner: Option<Uuid>) -> bool {
        match self {
            Scope::All => true,
            Scope::Public => visibility == Visibility::Public,
            Scope::Partner { organisation } => match visibility {
                Visibility::Public | Visibility::Partners => true,
                Visibility::Organisation => organisation.is_some() && owner == organisation,
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_scope_sees_what_the_policy_says() {
        let (mine, theirs) = (Uuid::now_v7(), Uuid::now_v7());
        let partner = Scope::Partner {
            organisation: Some(mine),
        };
        assert!(Scope::Public.permits(Visibility::Public, None));
        assert!(!Scope::Public.permits(Visibility::Partners, None));
        assert!(partner.permits(Visibility::Partners, Some(theirs)));
        assert!(partner.permits(Visibility::Organisation, Some(mine)));
        assert!(!partner.permits(Visibility::Organisation, Some(theirs)));
        let without = Scope::Partner { organisation: None };
        assert!(!without.permits(Visibility::Organisation, None));
        assert!(Scope::All.permits(Visibility::Organisation, Some(theirs)));
        assert_eq!(Scope::default(), Scope::Public);
    }
}
