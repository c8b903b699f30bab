//! Command line: `serve`, `migrate`, `schema`, `user create`, `import`, `feeds add|list|sync`,
//! `search reindex|check|status`, `mail status`, `backup`, `restore`.

use clap::{Parser, Subcommand, ValueEnum};

#[derive(Parser, Debug)]
#[command(
    name = "passerelle",
    version,
    about = "GraphQL hub of the partners bringing girls and women into technical careers"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Run the hub (applies pending migrations first).
    Serve {
        /// Load the demo data from the partner documents into an empty database.
        #[arg(long)]
        demo: bool,
    },
    /// Apply pending database migrations and exit.
    Migrate,
    /// Print the GraphQL schema (SDL).
    Schema,
    /// Manage accounts.
    User {
        #[command(subcommand)]
        command: UserCommand,
    },
    /// Import a spreadsheet (CSV, .xlsx or .ods) of events, resources or contacts for an organisation.
    Import {
        #[arg(value_enum, ignore_case = true)]
        kind: ImportKindArg,
        /// The file: CSV (comma or semicolon; UTF-8 or Windows-1252), .xlsx or .ods (its first sheet).
        file: std::path::PathBuf,
        /// Slug of the organisation the rows belong to.
        #[arg(long)]
        organisation: String,
        /// Plan every row and report what a real run would do, write nothing.
        #[arg(long)]
        dry_run: bool,
        /// Write the good rows even when some are refused (by default one refused row stops
        /// all); the command still exits non-zero.
        #[arg(long)]
        skip_invalid: bool,
        /// Visibility of new records without a visibility cell (records already there keep theirs).
        #[arg(long, value_enum, ignore_case = true)]
        visibility: Option<VisibilityArg>,
        /// Zone of dates and times written without one.
        #[arg(long, default_value = "Europe/Paris")]
        timezone: String,
        /// Print the report as one JSON object.
        #[arg(long)]
        json: bool,
    },
    /// Manage and pull partner event feeds.
    Feeds {
        #[command(subcommand)]
        command: FeedsCommand,
    },
    /// Rebuild, check and watch the full-text search index.
    Search {
        #[command(subcommand)]
        command: SearchCommand,
    },
    /// Watch the mail outbox.
    Mail {
        #[command(subcommand)]
        command: MailCommand,
    },
    /// Write a consistent copy of the database to FILE while the hub keeps serving
    /// (SQLite: VACUUM INTO; PostgreSQL: pg_dump --format=custom).
    Backup {
        /// The backup to write (refused when it exists, unless --force).
        file: std::path::PathBuf,
        /// Replace FILE when it exists.
        #[arg(long)]
        force: bool,
    },
    /// Replace the database by a backup (SQLite: with no hub running on the data directory;
    /// PostgreSQL: pg_restore). The search index is rebuilt from the restored database.
    Restore {
        /// A file written by `passerelle backup`.
        file: std::path::PathBuf,
        /// PostgreSQL: replace a database that already has tables.
        #[arg(long)]
        yes: bool,
    },
}

#[derive(Subcommand, Debug)]
pub enum MailCommand {
    /// Show where mail goes and the outbox: messages waiting, failing, refused, the last error.
    Status {
        #[arg(long)]
        json: bool,
    },
}

#[derive(Subcommand, Debug)]
pub enum SearchCommand {
    /// Rebuild the index from the database (on Meilisearch: a fresh index swapped in whole).
    Reindex,
    /// Compare the index with the database (ids and content hashes); exits 1 on differences.
    Check {
        /// Write the missing and stale documents and delete the orphans.
        #[arg(long)]
        repair: bool,
        /// Print the report as one JSON object.
        #[arg(long)]
        json: bool,
    },
    /// Show the engine and the outbox: rows waiting, failing, and the last error.
    Status {
        #[arg(long)]
        json: bool,
    },
}

#[derive(Subcommand, Debug)]
pub enum FeedsCommand {
    /// Register a feed for an organisation (pulled at the next scheduler pass or `feeds sync`).
    Add {
        /// Slug of the organisation that publishes the feed.
        #[arg(long)]
        organisation: String,
        #[arg(long)]
        name: String,
        #[arg(long)]
        url: String,
        #[arg(long, value_enum, ignore_case = true, default_value = "auto")]
        format: FormatArg,
        /// Minutes between two pulls (5 to 10080).
        #[arg(long, default_value_t = 60)]
        interval: i32,
        /// Visibility of the feed's events.
        #[arg(long, value_enum, ignore_case = true, default_value = "public")]
        visibility: VisibilityArg,
        /// Zone of times written without one.
        #[arg(long, default_value = "Europe/Paris")]
        timezone: String,
        /// RSS/Atom/JSON Feed: take items without event dates at their publication date.
        #[arg(long)]
        use_publication_date: bool,
        /// Register it disabled.
        #[arg(long)]
        disabled: bool,
        /// Print the feed as one JSON object.
        #[arg(long)]
        json: bool,
    },
    /// List feeds with their status.
    List {
        /// Only this organisation's feeds.
        #[arg(long)]
        organisation: Option<String>,
        /// Print one JSON object per line.
        #[arg(long)]
        json: bool,
    },
    /// Pull one feed now (by id), or every feed that is due.
    Sync {
        /// The feed's id; without it, every due feed is pulled.
        id: Option<String>,
        /// Print one JSON object per run.
        #[arg(long)]
        json: bool,
    },
}

#[derive(ValueEnum, Clone, Copy, Debug)]
pub enum FormatArg {
    Auto,
    Ical,
    Rss,
    Atom,
    JsonFeed,
    WpEventsCalendar,
    JsonLd,
    OpenAgenda,
    Csv,
}

impl From<FormatArg> for entity::FeedFormat {
    fn from(f: FormatArg) -> Self {
        match f {
            FormatArg::Auto => entity::FeedFormat::Auto,
            FormatArg::Ical => entity::FeedFormat::Ical,
            FormatArg::Rss => entity::FeedFormat::Rss,
            FormatArg::Atom => entity::FeedFormat::Atom,
            FormatArg::JsonFeed => entity::FeedFormat::JsonFeed,
            FormatArg::WpEventsCalendar => entity::FeedFormat::WpEventsCalendar,
            FormatArg::JsonLd => entity::FeedFormat::JsonLd,
            FormatArg::OpenAgenda => entity::FeedFormat::OpenAgenda,
            FormatArg::Csv => entity::FeedFormat::Csv,
        }
    }
}

#[derive(ValueEnum, Clone, Copy, Debug)]
pub enum ImportKindArg {
    Events,
    Resources,
    Contacts,
}

impl From<ImportKindArg> for crate::import::Kind {
    fn from(k: ImportKindArg) -> Self {
        match k {
            ImportKindArg::Events => crate::import::Kind::Events,
            ImportKindArg::Resources => crate::import::Kind::Resources,
            ImportKindArg::Contacts => crate::import::Kind::Contacts,
        }
    }
}

#[derive(ValueEnum, Clone, Copy, Debug)]
pub enum VisibilityArg {
    Public,
    Partners,
    Organisation,
}

impl From<VisibilityArg> for entity::Visibility {
    fn from(v: VisibilityArg) -> Self {
        match v {
            VisibilityArg::Public => entity::Visibility::Public,
            VisibilityArg::Partners => entity::Visibility::Partners,
            VisibilityArg::Organisation => entity::Visibility::Organisation,
        }
    }
}

#[derive(Subcommand, Debug)]
pub enum UserCommand {
    /// Create an account with a temporary password, printed once (bootstraps the first admin),
    /// and queue its invitation e-mail.
    Create {
        #[arg(long)]
        email: String,
        /// Slug of the account's organisation (required for editors and members).
        #[arg(long)]
        organisation: Option<String>,
        #[arg(long, value_enum, ignore_case = true)]
        role: RoleArg,
        /// Display name (default: the part of the e-mail before @).
        #[arg(long)]
        name: Option<String>,
        /// The language of the account's e-mail.
        #[arg(long, value_enum, ignore_case = true, default_value = "fr")]
        locale: LocaleArg,
        /// Print one JSON object with id, email and temporaryPassword.
        #[arg(long)]
        json: bool,
    },
}

#[derive(ValueEnum, Clone, Copy, Debug)]
pub enum RoleArg {
    Admin,
    Editor,
    Member,
}

impl From<RoleArg> for entity::Role {
    fn from(r: RoleArg) -> Self {
        match r {
            RoleArg::Admin => entity::Role::Admin,
            RoleArg::Editor => entity::Role::Editor,
            RoleArg::Member => entity::Role::Member,
        }
    }
}

#[derive(ValueEnum, Clone, Copy, Debug)]
pub enum LocaleArg {
    Fr,
    En,
}

impl From<LocaleArg> for entity::Locale {
    fn from(l: LocaleArg) -> Self {
        match l {
            LocaleArg::Fr => entity::Locale::Fr,
            LocaleArg::En => entity::Locale::En,
        }
    }
}
