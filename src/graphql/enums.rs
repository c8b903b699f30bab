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
    OrganisationKind = entity::OrganisationKind {
        /// An association (loi 1901), such as Elles Bougent or Capital Filles.
        Association,
        /// A Campus des Métiers et des Qualifications.
        Cmq,
        /// A company, or a company's women's network.
        Company,
        /// A school: collège, lycée, engineering school, university.
        School,
        /// A public body: rectorat, région, ministry, agency.
        PublicBody,
        /// A network or federation of organisations.
        Network,
        /// Any other kind.
        Other,
    }
);
mirror_enum!(
    /// Who may read a record: anyone, signed-in partners, or members of the owning organisation.
    /// Hidden records behave as absent: `null`, left out of lists and counts, `NOT_FOUND` when
    /// written to.
    Visibility = entity::Visibility {
        /// Anyone, signed in or not (anonymous callers, the public calendar and Atom feeds).
        Public,
        /// Every signed-in account and API key, whatever its organisation.
        Partners,
        /// The members of the owning organisation (its accounts and API keys) and
        /// administrators.
        Organisation,
    }
);
mirror_enum!(
    /// The kind of a shared resource.
    ResourceKind = entity::ResourceKind {
        /// A video (« vidéo »).
        Video,
        /// A slide deck (« PPT », « diaporama »).
        SlideDeck,
        /// A brochure or leaflet (« plaquette »).
        Brochure,
        /// A poster (« affiche »).
        Poster,
        /// A teaching kit to lend or use in class (« mallette pédagogique »).
        TeachingKit,
        /// An exhibition, often travelling (« exposition »).
        Exhibition,
        /// A portrait of a woman at work (« portrait »).
        Portrait,
        /// A guide or handbook (« guide »).
        Guide,
        /// A website.
        Website,
        /// Any other kind.
        Other,
    }
);
mirror_enum!(
    /// Lifecycle of an event.
    EventStatus = entity::EventStatus {
        /// It takes place as announced.
        Scheduled,
        /// Called off; kept so that people who saw it learn it is cancelled.
        Cancelled,
        /// A feed event that is no longer in its feed (it becomes `SCHEDULED` again if it
        /// reappears). Event lists leave these out unless their filter asks for this status.
        RemovedUpstream,
    }
);
mirror_enum!(
    /// Progress of an action.
    ActionStatus = entity::ActionStatus {
        /// Decided, not started.
        Planned,
        /// Under way.
        InProgress,
        /// Done.
        Completed,
        /// Stopped before its end.
        Abandoned,
    }
);
mirror_enum!(
    /// Priority of an action.
    Priority = entity::Priority {
        /// Low.
        Low,
        /// Medium.
        Medium,
        /// High.
        High,
    }
);
mirror_enum!(
    /// A French région (the thirteen of metropolitan France and the five overseas).
    Region = entity::Region {
        /// Auvergne-Rhône-Alpes.
        AuvergneRhoneAlpes,
        /// Bourgogne-Franche-Comté.
        BourgogneFrancheComte,
        /// Bretagne.
        Bretagne,
        /// Centre-Val de Loire.
        CentreValDeLoire,
        /// Corse.
        Corse,
        /// Grand Est.
        GrandEst,
        /// Hauts-de-France.
        HautsDeFrance,
        /// Île-de-France.
        IleDeFrance,
        /// Normandie.
        Normandie,
        /// Nouvelle-Aquitaine.
        NouvelleAquitaine,
        /// Occitanie.
        Occitanie,
        /// Pays de la Loire.
        PaysDeLaLoire,
        /// Provence-Alpes-Côte d'Azur.
        ProvenceAlpesCoteDAzur,
        /// Guadeloupe.
        Guadeloupe,
        /// Martinique.
        Martinique,
        /// Guyane.
        Guyane,
        /// La Réunion.
        LaReunion,
        /// Mayotte.
        Mayotte,
    }
);
mirror_enum!(
    /// An audience reached by a contact, resource, event or action.
    Audience = entity::Audience {
        /// Collège pupils (about 11 to 15).
        College,
        /// Lycée pupils, general, technological and vocational (about 15 to 18).
        Lycee,
        /// Students in higher education.
        HigherEducation,
        /// Apprentices.
        Apprentices,
        /// Parents.
        Parents,
        /// Teachers.
        Teachers,
        /// Careers advisers (« psychologues de l'Éducation nationale », « CIO »…).
        CareerAdvisers,
        /// Job seekers.
        JobSeekers,
        /// Employees.
        Employees,
        /// Companies.
        Companies,
        /// The general public.
        GeneralPublic,
    }
);

mirror_enum!(
    /// Orders of an organisation list (default `NAME_ASC`). Ties are broken by id, so that
    /// pages never repeat or skip a record.
    /// Names and titles sort in French alphabetical order: accents, then case, only break
    /// ties (« École » among the E), spaces and punctuation are ignored, numbers go by value.
    OrganisationOrderBy = crate::store::organisations::OrganisationSort {
        /// By name, A to Z.
        NameAsc,
        /// By name, Z to A.
        NameDesc,
        /// By slug, a to z.
        SlugAsc,
        /// By slug, z to a.
        SlugDesc,
        /// Oldest first.
        CreatedAtAsc,
        /// Newest first.
        CreatedAtDesc,
    }
);
mirror_enum!(
    /// Orders of an event list (default `STARTS_AT_ASC`). Ties are broken by id, so that pages
    /// never repeat or skip a record.
    /// Names and titles sort in French alphabetical order: accents, then case, only break
    /// ties (« École » among the E), spaces and punctuation are ignored, numbers go by value.
    EventOrderBy = crate::store::events::EventSort {
        /// Soonest start first.
        StartsAtAsc,
        /// Latest start first.
        StartsAtDesc,
        /// By title, A to Z.
        TitleAsc,
        /// By title, Z to A.
        TitleDesc,
        /// Oldest record first.
        CreatedAtAsc,
        /// Newest record first.
        CreatedAtDesc,
        /// Least recently changed first.
        UpdatedAtAsc,
        /// Most recently changed first.
        UpdatedAtDesc,
    }
);
mirror_enum!(
    /// Orders of a resource list (default `CREATED_AT_DESC`). Ties are broken by id, so that
    /// pages never repeat or skip a record.
    /// Names and titles sort in French alphabetical order: accents, then case, only break
    /// ties (« École » among the E), spaces and punctuation are ignored, numbers go by value.
    ResourceOrderBy = crate::store::resources::ResourceSort {
        /// By title, A to Z.
        TitleAsc,
        /// By title, Z to A.
        TitleDesc,
        /// Oldest first.
        CreatedAtAsc,
        /// Newest first.
        CreatedAtDesc,
        /// Least recently changed first.
        UpdatedAtAsc,
        /// Most recently changed first.
        UpdatedAtDesc,
    }
);
mirror_enum!(
    /// Orders of a contact list (default `LAST_NAME_ASC`: last name, then first name). Ties
    /// are broken by id, so that pages never repeat or skip a record.
    /// Names and titles sort in French alphabetical order: accents, then case, only break
    /// ties (« École » among the E), spaces and punctuation are ignored, numbers go by value.
    ContactOrderBy = crate::store::contacts::ContactSort {
        /// By last name, then first name, A to Z.
        LastNameAsc,
        /// By last name, then first name, Z to A.
        LastNameDesc,
        /// Oldest first.
        CreatedAtAsc,
        /// Newest first.
        CreatedAtDesc,
    }
);
mirror_enum!(
    /// Orders of an action list (default `CREATED_AT_DESC`). Ties are broken by id, so that
    /// pages never repeat or skip a record.
    /// Names and titles sort in French alphabetical order: accents, then case, only break
    /// ties (« École » among the E), spaces and punctuation are ignored, numbers go by value.
    ActionOrderBy = crate::store::actions::ActionSort {
        /// By title, A to Z.
        TitleAsc,
        /// By title, Z to A.
        TitleDesc,
        /// Oldest first.
        CreatedAtAsc,
        /// Newest first.
        CreatedAtDesc,
        /// Least recently changed first.
        UpdatedAtAsc,
        /// Most recently changed first.
        UpdatedAtDesc,
    }
);
mirror_enum!(
    /// Orders of an experience report list (default `REPORTED_ON_DESC`). Ties are broken by
    /// id, so that pages never repeat or skip a record.
    ExperienceReportOrderBy = crate::store::experience_reports::ExperienceReportSort {
        /// Earliest report date first.
        ReportedOnAsc,
        /// Latest report date first.
        ReportedOnDesc,
        /// Oldest record first.
        CreatedAtAsc,
        /// Newest record first.
        CreatedAtDesc,
    }
);

/// Converts a list of GraphQL audiences to stored ones, dropping duplicates.
pub fn audiences(values: Vec<Audience>) -> Vec<entity::Audience> {
    crate::domain::validate::dedup(values.into_iter().map(Into::into).collect())
}

pub fn audiences_out(values: &entity::Audiences) -> Vec<Audience> {
    values.0.iter().map(|a| (*a).into()).collect()
}
