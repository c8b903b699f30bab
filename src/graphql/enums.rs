//! GraphQL enums, mirrored from the stored enums and the store's sort orders.

use async_graphql::Enum;

/// Declares a GraphQL enum with the same variants as a Rust enum, converting both ways.
macro_rules! mirror_enum {
    ($(#[$meta:meta])* $name:ident = $source:path { $($(#[$vmeta:meta])* $variant:ident),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Enum, Clone, Copy, Debug, PartialEq, Eq, Hash)]
        pub enum $name {
            $($(#[$vmeta])* $variant),+
        }

        impl From<$name> for $source {
            fn from(v: $name) -> Self {
                match v { $($name::$variant => <$source>::$variant,)+ }
            }
        }

        impl From<$source> for $name {
            fn from(v: $source) -> Self {
                match v { $(<$source>::$variant => $name::$variant,)+ }
            }
        }
    };
}

pub(crate) use mirror_enum;

mirror_enum!(
    /// What an organisation is.
    OrganisationKind = entity::OrganisationKind { Association, Cmq, Company, School, PublicBody, Network, Other }
);
mirror_enum!(
    /// Who may read a record: anyone, signed-in partners, or members of the owning organisation.
    Visibility = entity::Visibility { Public, Partners, Organisation }
);
mirror_enum!(
    /// The kind of a shared resource.
    ResourceKind = entity::ResourceKind {
        Video, SlideDeck, Brochure, Poster, TeachingKit, Exhibition, Portrait, Guide, Website, Other
    }
);
mirror_enum!(
    /// Lifecycle of an event; `REMOVED_UPSTREAM` marks feed events that left their feed.
    EventStatus = entity::EventStatus { Scheduled, Cancelled, RemovedUpstream }
);
mirror_enum!(
    /// Progress of an action.
    ActionStatus = entity::ActionStatus { Planned, InProgress, Completed, Abandoned }
);
mirror_enum!(
    /// Priority of an action.
    Priority = entity::Priority { Low, Medium, High }
);
mirror_enum!(
    /// A French région.
    Region = entity::Region {
        AuvergneRhoneAlpes, BourgogneFrancheComte, Bretagne, CentreValDeLoire, Corse, GrandEst,
        HautsDeFrance, IleDeFrance, Normandie, NouvelleAquitaine, Occitanie, PaysDeLaLoire,
        ProvenceAlpesCoteDAzur, Guadeloupe, Martinique, Guyane, LaReunion, Mayotte
    }
);
mirror_enum!(
    /// An audience reached by a contact, resource, event or action.
    Audience = entity::Audience {
        College, Lycee, HigherEducation, Apprentices, Parents, Teachers, CareerAdvisers,
        JobSeekers, Employees, Companies, GeneralPublic
    }
);

mirror_enum!(
    /// Orders of an organisation list.
    /// Names and titles sort in French alphabetical order: accents, then case, only break
    /// ties (« École » among the E), spaces and punctuation are ignored, numbers go by value.
    OrganisationOrderBy = crate::store::organisations::OrganisationSort {
        NameAsc, NameDesc, SlugAsc, SlugDesc, CreatedAtAsc, CreatedAtDesc
    }
);
mirror_enum!(
    /// Orders of an event list (default `STARTS_AT_ASC`).
    /// Names and titles sort in French alphabetical order: accents, then case, only break
    /// ties (« École » among the E), spaces and punctuation are ignored, numbers go by value.
    EventOrderBy = crate::store::events::EventSort {
        StartsAtAsc, StartsAtDesc, TitleAsc, TitleDesc, CreatedAtAsc, CreatedAtDesc, UpdatedAtAsc, UpdatedAtDesc
    }
);
mirror_enum!(
    /// Orders of a resource list (default `CREATED_AT_DESC`).
    /// Names and titles sort in French alphabetical order: accents, then case, only break
    /// ties (« École » among the E), spaces and punctuation are ignored, numbers go by value.
    ResourceOrderBy = crate::store::resources::ResourceSort {
        TitleAsc, TitleDesc, CreatedAtAsc, CreatedAtDesc, UpdatedAtAsc, UpdatedAtDesc
    }
);
mirror_enum!(
    /// Orders of a contact list (default `LAST_NAME_ASC`: last name, then first name).
    /// Names and titles sort in French alphabetical order: accents, then case, only break
    /// ties (« École » among the E), spaces and punctuation are ignored, numbers go by value.
    ContactOrderBy = crate::store::contacts::ContactSort { LastNameAsc, LastNameDesc, CreatedAtAsc, CreatedAtDesc }
);
mirror_enum!(
    /// Orders of an action list (default `CREATED_AT_DESC`).
    /// Names and titles sort in French alphabetical order: accents, then case, only break
    /// ties (« École » among the E), spaces and punctuation are ignored, numbers go by value.
    ActionOrderBy = crate::store::actions::ActionSort {
        TitleAsc, TitleDesc, CreatedAtAsc, CreatedAtDesc, UpdatedAtAsc, UpdatedAtDesc
    }
);
mirror_enum!(
    /// Orders of an experience report list (default `REPORTED_ON_DESC`).
    ExperienceReportOrderBy = crate::store::experience_reports::ExperienceReportSort {
        ReportedOnAsc, ReportedOnDesc, CreatedAtAsc, CreatedAtDesc
    }
);

/// Converts a list of GraphQL audiences to stored ones, dropping duplicates.
pub fn audiences(values: Vec<Audience>) -> Vec<entity::Audience> {
    crate::domain::validate::dedup(values.into_iter().map(Into::into).collect())
}

pub fn audiences_out(values: &entity::Audiences) -> Vec<Audience> {
    values.0.iter().map(|a| (*a).into()).collect()
}
