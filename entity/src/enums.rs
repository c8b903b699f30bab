//! Enumerations stored as short lowercase strings, portable across SQLite and PostgreSQL.

use sea_orm::FromJsonQueryResult;
use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

/// Declares a string-backed active enum whose stored values are the snake_case names.
macro_rules! stored_enum {
    ($(#[$meta:meta])* $name:ident { $($variant:ident = $value:literal),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize)]
        #[sea_orm(rs_type = "String", db_type = "String(StringLen::N(32))")]
        pub enum $name {
            $(
                #[sea_orm(string_value = $value)]
                #[serde(rename = $value)]
                $variant,
            )+
        }

        impl $name {
            /// The value as stored in the database and in JSON lists.
            pub fn as_str(self) -> &'static str {
                match self {
                    $(Self::$variant => $value,)+
                }
            }
        }
    };
}

stored_enum!(
    /// What an organisation is.
    OrganisationKind {
        Association = "association",
        Cmq = "cmq",
        Company = "company",
        School = "school",
        PublicBody = "public_body",
        Network = "network",
        Other = "other",
    }
);

stored_enum!(
    /// Who may read a record.
    Visibility {
        Public = "public",
        Partners = "partners",
        Organisation = "organisation",
    }
);

stored_enum!(
    /// The kind of a shared resource (the workshop's "Objet" column).
    ResourceKind {
        Video = "video",
        SlideDeck = "slide_deck",
        Brochure = "brochure",
        Poster = "poster",
        TeachingKit = "teaching_kit",
        Exhibition = "exhibition",
        Portrait = "portrait",
        Guide = "guide",
        Website = "website",
        Other = "other",
    }
);

stored_enum!(
    /// Whether a kit can be lent.
    KitStatus {
        Available = "available",
        InRepair = "in_repair",
        Retired = "retired",
    }
);

stored_enum!(
    /// Where a kit loan stands: `requested` → `confirmed` → `out` → `returned`, or `cancelled`
    /// (by either side, before it goes out) or `declined` (by the kit's owner).
    KitLoanStatus {
        Requested = "requested",
        Confirmed = "confirmed",
        Out = "out",
        Returned = "returned",
        Cancelled = "cancelled",
        Declined = "declined",
    }
);

stored_enum!(
    /// Lifecycle of an event.
    EventStatus {
        Scheduled = "scheduled",
        Cancelled = "cancelled",
        RemovedUpstream = "removed_upstream",
    }
);

stored_enum!(
    /// Progress of an action.
    ActionStatus {
        Planned = "planned",
        InProgress = "in_progress",
        Completed = "completed",
        Abandoned = "abandoned",
    }
);

stored_enum!(
    /// Priority the partners gave an action.
    Priority {
        Low = "low",
        Medium = "medium",
        High = "high",
    }
);

stored_enum!(
    /// The eighteen French régions (2016 map).
    Region {
        AuvergneRhoneAlpes = "auvergne_rhone_alpes",
        BourgogneFrancheComte = "bourgogne_franche_comte",
        Bretagne = "bretagne",
        CentreValDeLoire = "centre_val_de_loire",
        Corse = "corse",
        GrandEst = "grand_est",
        HautsDeFrance = "hauts_de_france",
        IleDeFrance = "ile_de_france",
        Normandie = "normandie",
        NouvelleAquitaine = "nouvelle_aquitaine",
        Occitanie = "occitanie",
        PaysDeLaLoire = "pays_de_la_loire",
        ProvenceAlpesCoteDAzur = "provence_alpes_cote_d_azur",
        Guadeloupe = "guadeloupe",
        Martinique = "martinique",
        Guyane = "guyane",
        LaReunion = "la_reunion",
        Mayotte = "mayotte",
    }
);

stored_enum!(
    /// Audiences a contact, resource, event or action reaches.
    Audience {
        College = "college",
        Lycee = "lycee",
        HigherEducation = "higher_education",
        Apprentices = "apprentices",
        Parents = "parents",
        Teachers = "teachers",
        CareerAdvisers = "career_advisers",
        JobSeekers = "job_seekers",
        Employees = "employees",
        Companies = "companies",
        GeneralPublic = "general_public",
    }
);

/// A list of audiences, stored as a JSON array of their values.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, FromJsonQueryResult)]
pub struct Audiences(pub Vec<Audience>);

/// A list of free tags, stored as a JSON array of strings.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, FromJsonQueryResult)]
pub struct Tags(pub Vec<String>);

stored_enum!(
    /// What an account may do.
    Role {
        Admin = "admin",
        Editor = "editor",
        Member = "member",
    }
);

stored_enum!(
    /// What an API key may do: read as a member, or read and write as an editor.
    ApiKeyScope {
        Read = "read",
        ReadWrite = "read_write",
    }
);

stored_enum!(
    /// The wire format a partner feed is read as.
    FeedFormat {
        Auto = "auto",
        Ical = "ical",
        Rss = "rss",
        Atom = "atom",
        JsonFeed = "json_feed",
        WpEventsCalendar = "wp_events_calendar",
        JsonLd = "json_ld",
        OpenAgenda = "open_agenda",
        Csv = "csv",
    }
);

stored_enum!(
    /// How a feed sync ended.
    FeedRunOutcome {
        Running = "running",
        Success = "success",
        NotModified = "not_modified",
        Failed = "failed",
    }
);

/// Column mapping of a CSV feed (source header → target field), stored as a JSON object.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, FromJsonQueryResult)]
pub struct ColumnMap(pub std::collections::BTreeMap<String, String>);

stored_enum!(
    /// The language an account's e-mail is written in.
    Locale {
        Fr = "fr",
        En = "en",
    }
);

stored_enum!(
    /// What a message of the mail outbox is: a new account's invitation (identifier, temporary
    /// password, sign-in link), a self-service password reset link (its secret made when it is
    /// sent), the notice that a password changed, a digest of what is new, or the reminder that
    /// a borrowed kit is due back in two days.
    MailKind {
        Invitation = "invitation",
        PasswordReset = "password_reset",
        PasswordChanged = "password_changed",
        Digest = "digest",
        KitLoanReminder = "kit_loan_reminder",
    }
);

stored_enum!(
    /// Where a message of the mail outbox stands: waiting (perhaps after failures: see its
    /// attempts and last error), sent (accepted by the SMTP server, or written to a file),
    /// failed (refused for good by the server, a 5xx reply: not retried), or cancelled (never
    /// to be sent: superseded, expired, nothing to say, or its recipient is gone).
    MailStatus {
        Pending = "pending",
        Sent = "sent",
        Failed = "failed",
        Cancelled = "cancelled",
    }
);

stored_enum!(
    /// How often a digest is sent.
    DigestFrequency {
        Daily = "daily",
        Weekly = "weekly",
    }
);
