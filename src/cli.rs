//! Command line: `serve`, `migrate`, `schema`.

use clap::{Parser, Subcommand};

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
}
