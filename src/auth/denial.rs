//! Why a caller is refused (`FORBIDDEN`): the rule it met, what it tried, and whose records
//! they were, so that the refusal names them (« seuls les éditeurs de « Capital Filles »
//! peuvent modifier ses événements »). The rules are decided in `viewer.rs`; the organisation's
//! name is filled in by the GraphQL layer, which can read it (`graphql::refusal`).

use entity::Role;
use uuid::Uuid;

/// What the caller tried to do, in words for the refusal.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Task {
    ChangeProfile,
    ChangeEvents,
    ChangeResources,
    ChangeContacts,
    ChangeActions,
    ManageFeeds,
    ManageApiKeys,
    ImportFiles,
    ReadAccounts,
    ManageAccounts,
    ReadAuditLog,
    ReadPersonalData,
    ReadMailOutbox,
    ReadSearchStatus,
    CreateOrganisations,
    DeleteOrganisations,
    ChangeAnotherLocale,
    CreateCalendarLinks,
    SubscribeToDigests,
    ChooseLocale,
    CreateApiKeys,
    WriteExperienceReports,
    ManageKits,
    LendKits,
    BorrowKits,
    ChangeLoans,
    ReportOnLoans,
}

impl Task {
    /// The task as a French and an English verb phrase; for an organisation's records, with
    /// the possessive that follows its name (« modifier ses événements », "change its events").
    fn words(self) -> (&'static str, &'static str) {
        match self {
            Task::ChangeProfile => ("modifier son profil", "change its profile"),
            Task::ChangeEvents => ("modifier ses événements", "change its events"),
            Task::ChangeResources => ("modifier ses ressources", "change its resources"),
            Task::ChangeContacts => ("modifier ses contacts", "change its contacts"),
            Task::ChangeActions => ("modifier ses actions", "change its actions"),
            Task::ManageFeeds => ("gérer ses flux", "manage its feeds"),
            Task::ManageApiKeys => ("gérer ses clés d’API", "manage its API keys"),
            Task::ImportFiles => ("importer des tableaux pour elle", "import spreadsheets for it"),
            Task::ReadAccounts => ("lire la liste des comptes", "read the accounts"),
            Task::ManageAccounts => (
                "créer, réinitialiser ou désactiver des comptes",
                "create, reset or disable accounts",
            ),
            Task::ReadAuditLog => ("lire le journal des modifications", "read the audit log"),
            Task::ReadPersonalData => ("consulter les données personnelles", "read personal data"),
            Task::ReadMailOutbox => ("lire la file des e-mails", "read the mail outbox"),
            Task::ReadSearchStatus => ("lire l’état de la recherche", "read the search status"),
            Task::CreateOrganisations => ("créer des organisations", "create organisations"),
            Task::DeleteOrganisations => ("supprimer des organisations", "delete organisations"),
            Task::ChangeAnotherLocale => (
                "changer la langue d’un autre compte",
                "change another account's language",
            ),
            Task::CreateCalendarLinks => ("créer un lien d’agenda privé", "create a private calendar link"),
            Task::SubscribeToDigests => ("s’abonner à un résumé par e-mail", "subscribe to an e-mail digest"),
            Task::ChooseLocale => ("choisir la langue de ses e-mails", "choose the language of its e-mail"),
            Task::CreateApiKeys => ("créer des clés d’API", "create API keys"),
            Task::WriteExperienceReports => ("écrire des retours d’expérience", "write experience reports"),
            Task::ManageKits => ("gérer ses mallettes", "manage its kits"),
            Task::LendKits => ("prêter ses mallettes", "lend its kits"),
            Task::BorrowKits => ("emprunter des mallettes", "borrow kits"),
            Task::ChangeLoans => ("faire avancer ou changer ce prêt", "move or change this loan"),
            Task::ReportOnLoans => ("écrire un retour sur ce prêt", "report on this loan"),
        }
    }
}

/// The rule a refused caller met; its `as_str` is the refusal's `extensions.reason`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Rule {
    /// Only the editors of the organisation (and administrators) may.
    EditorsOnly,
    /// Only administrators may.
    AdminsOnly,
    /// Only the author of the record (and administrators) may.
    AuthorOnly,
    /// A read-only API key may not write.
    ReadOnlyKey,
    /// Only a person's account may (an API key has no inbox, no scope of its own).
    AccountsOnly,
    /// Only the parties to a loan (the lender's editors, the borrowing side) and
    /// administrators may.
    PartiesOnly,
    /// Only the members of an organisation may (an account of none may not).
    MembersOnly,
}

impl Rule {
    pub fn as_str(self) -> &'static str {
        match self {
            Rule::EditorsOnly => "EDITORS_ONLY",
            Rule::AdminsOnly => "ADMINS_ONLY",
            Rule::AuthorOnly => "AUTHOR_ONLY",
            Rule::ReadOnlyKey => "READ_ONLY_KEY",
            Rule::AccountsOnly => "ACCOUNTS_ONLY",
            Rule::PartiesOnly => "PARTIES_ONLY",
            Rule::MembersOnly => "MEMBERS_ONLY",
        }
    }
}

/// Who the refused caller is, as the refusal says it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Standing {
    /// A member (or a read key) of the organisation concerned.
    MemberThere,
    /// A member (or a read key) of another organisation, or of none.
    MemberElsewhere,
    /// An editor (or a read-write key) of another organisation, or of none.
    EditorElsewhere,
    /// An API key.
    Key,
    /// Nothing worth saying.
    Unsaid,
}

impl Standing {
    pub fn of(role: Option<Role>, is_key: bool, own: Option<Uuid>, concerned: Option<Uuid>) -> Standing {
        let here = own.is_some() && own == concerned;
        match (role, here) {
            (Some(Role::Member), true) => Standing::MemberThere,
            (Some(Role::Member), false) => Standing::MemberElsewhere,
            (Some(Role::Editor), false) => Standing::EditorElsewhere,
            _ if is_key => Standing::Key,
            _ => Standing::Unsaid,
        }
    }

    fn words(self) -> Option<(&'static str, &'static str)> {
        match self {
            Standing::MemberThere => Some((
                "ce compte y est membre, en lecture seule",
                "this account is a member there, read-only",
            )),
            Standing::MemberElsewhere => Some((
                "ce compte est membre d’une autre organisation",
                "this account is a member of another organisation",
            )),
            Standing::EditorElsewhere => Some((
                "ce compte est éditeur d’une autre organisation",
                "this account is an editor of another organisation",
            )),
            Standing::Key => Some(("c’est une clé d’API", "this is an API key")),
            Standing::Unsaid => None,
        }
    }
}

/// A refusal: the rule, the task, the organisation concerned (its name once known) and who
/// the caller is. Its `Display` is the error's message, French then English.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Denial {
    pub rule: Rule,
    pub task: Task,
    pub organisation: Option<Uuid>,
    pub organisation_name: Option<String>,
    pub standing: Standing,
}

impl Denial {
    pub fn new(rule: Rule, task: Task) -> Denial {
        Denial {
            rule,
            task,
            organisation: None,
            organisation_name: None,
            standing: Standing::Unsaid,
        }
    }

    /// The editors-only refusal of `task` on the records of `organisation`.
    pub fn editors_of(organisation: Option<Uuid>, task: Task, standing: Standing) -> Denial {
        Denial {
            organisation,
            standing,
            ..Denial::new(Rule::EditorsOnly, task)
        }
    }

    /// This refusal, naming its organisation.
    pub fn named(self, name: impl Into<String>) -> Denial {
        Denial {
            organisation_name: Some(name.into()),
            ..self
        }
    }
}

impl std::fmt::Display for Denial {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let (task_fr, task_en) = self.task.words();
        let (fr, en) = match (self.rule, self.organisation, self.organisation_name.as_deref()) {
            (Rule::EditorsOnly, _, Some(name)) => (
                format!("seuls les éditeurs de « {name} » et les administrateurs peuvent {task_fr}"),
                format!("only editors of « {name} » and administrators may {task_en}"),
            ),
            (Rule::EditorsOnly, Some(_), None) => (
                format!("seuls les éditeurs de son organisation et les administrateurs peuvent {task_fr}"),
                format!("only editors of its organisation and administrators may {task_en}"),
            ),
            (Rule::EditorsOnly, None, None) => (
                "seuls les administrateurs peuvent modifier ce qui n’appartient à aucune organisation".to_string(),
                "only administrators may change what belongs to no organisation".to_string(),
            ),
            (Rule::AdminsOnly, ..) => (
                format!("seuls les administrateurs peuvent {task_fr}"),
                format!("only administrators may {task_en}"),
            ),
            (Rule::AuthorOnly, ..) => (
                "seuls son auteur et les administrateurs peuvent modifier ce retour d’expérience".to_string(),
                "only its author and administrators may change this experience report".to_string(),
            ),
            (Rule::ReadOnlyKey, ..) => (
                format!("une clé d’API en lecture seule ne peut pas {task_fr}"),
                format!("a read-only API key may not {task_en}"),
            ),
            (Rule::AccountsOnly, ..) => (
                format!("seul le compte d’une personne peut {task_fr}, pas une clé d’API"),
                format!("only a person's account may {task_en}, not an API key"),
            ),
            (Rule::PartiesOnly, ..) => (
                format!(
                    "seuls les parties au prêt (le prêteur, l’emprunteur) et les administrateurs peuvent {task_fr}"
                ),
                format!("only the parties to the loan (the lender, the borrower) and administrators may {task_en}"),
            ),
            (Rule::MembersOnly, ..) => (
                format!("seul le compte d’une organisation membre peut {task_fr}"),
                format!("only an account of a member organisation may {task_en}"),
            ),
        };
        // The console shows one half or the other (`français / English`).
        match self.standing.words() {
            Some((who_fr, who_en)) => write!(f, "{} ({who_fr}) / {} ({who_en})", capitalised(&fr), capitalised(&en)),
            None => write!(f, "{} / {}", capitalised(&fr), capitalised(&en)),
        }
    }
}

fn capitalised(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refusals_name_the_organisation_and_the_caller() {
        let org = Some(Uuid::nil());
        let denial = Denial::editors_of(org, Task::ChangeEvents, Standing::MemberThere).named("Capital Filles");
        assert_eq!(
            denial.to_string(),
            "Seuls les éditeurs de « Capital Filles » et les administrateurs peuvent modifier ses événements \
             (ce compte y est membre, en lecture seule) / Only editors of « Capital Filles » and administrators \
             may change its events (this account is a member there, read-only)"
        );
        let unnamed = Denial::editors_of(org, Task::ManageFeeds, Standing::Unsaid).to_string();
        assert!(
            unnamed.contains("son organisation") && unnamed.contains("its organisation"),
            "{unnamed}"
        );
        let admins = Denial::new(Rule::AdminsOnly, Task::ReadAuditLog).to_string();
        assert_eq!(
            admins,
            "Seuls les administrateurs peuvent lire le journal des modifications / Only administrators may read the audit log"
        );
        assert_eq!(admins.split(" / ").count(), 2, "the console splits on ` / `");
    }

    #[test]
    fn the_standing_follows_the_role_and_the_organisation() {
        let (a, b) = (Some(Uuid::now_v7()), Some(Uuid::now_v7()));
        assert_eq!(Standing::of(Some(Role::Member), false, a, a), Standing::MemberThere);
        assert_eq!(Standing::of(Some(Role::Member), false, a, b), Standing::MemberElsewhere);
        assert_eq!(Standing::of(Some(Role::Editor), false, a, b), Standing::EditorElsewhere);
        assert_eq!(Standing::of(Some(Role::Editor), true, a, b), Standing::EditorElsewhere);
        assert_eq!(Standing::of(Some(Role::Admin), false, None, a), Standing::Unsaid);
    }
}
