//! Command line: `serve`, `migrate`, `schema`, `user create`.

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
}

#[derive(Subcommand, Debug)]
pub enum UserCommand {
    /// Create an account with a temporary password, printed once (bootstraps the first admin).
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
