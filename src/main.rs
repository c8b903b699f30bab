use clap::Parser;
use passerelle::cli::{Cli, Command, FeedsCommand, MailCommand, SearchCommand, UserCommand};
use passerelle::commands::ImportRequest;
use passerelle::config::{Config, LogFormat};
use tracing_subscriber::EnvFilter;

// glibc malloc contends on its arena locks under the multi-threaded runtime (seen in perf
// profiles of the GraphQL endpoint); mimalloc does not.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let mut filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    // reqwest's debug lines print whole request URLs, and feed URLs may be secret links.
    if let Ok(quiet) = "reqwest=info".parse() {
        filter = filter.add_directive(quiet);
    }
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    match LogFormat::from_env()? {
        LogFormat::Text => builder.init(),
        // One object a line; the request span's fields (`request_id`) under `span`, the
        // event's at the top.
        LogFormat::Json => builder
            .json()
            .flatten_event(true)
            .with_current_span(true)
            .with_span_list(false)
            .init(),
    }
    let cli = Cli::parse();
    match cli.command {
        Command::Schema => {
            print!("{}", passerelle::graphql::sdl());
            Ok(())
        }
        Command::Migrate => {
            passerelle::commands::migrate(&Config::from_env()?).await?;
            tracing::info!("migrations applied");
            Ok(())
        }
        Command::User {
            command:
                UserCommand::Create {
                    email,
                    organisation,
                    role,
                    name,
                    locale,
                    json,
                },
        } => {
            let config = Config::from_env()?;
            passerelle::commands::create_user(
                &config,
                &email,
                organisation.as_deref(),
                role.into(),
                name.as_deref(),
                locale.into(),
                json,
            )
            .await
        }
        Command::Mail {
            command: MailCommand::Status { json },
        } => passerelle::commands::mail_status(&Config::from_env()?, json).await,
        Command::Import {
            kind,
            file,
            organisation,
            dry_run,
            skip_invalid,
            visibility,
            timezone,
            json,
        } => {
            let config = Config::from_env()?;
            let request = ImportRequest {
                kind: kind.into(),
                file,
                organisation,
                dry_run,
                skip_invalid,
                visibility: visibility.map(Into::into),
                timezone,
            };
            passerelle::commands::import(&config, request, json).await
        }
        Command::Feeds { command } => {
            let config = Config::from_env()?;
            match command {
                FeedsCommand::Add {
                    organisation,
                    name,
                    url,
                    format,
                    interval,
                    visibility,
                    timezone,
                    use_publication_date,
                    disabled,
                    json,
                } => {
                    let new = passerelle::commands::NewFeed {
                        organisation,
                        name,
                        url,
                        format: format.into(),
                        interval,
                        visibility: visibility.into(),
                        timezone,
                        use_publication_date,
                        enabled: !disabled,
                    };
                    passerelle::commands::add_feed(&config, new, json).await
                }
                FeedsCommand::List { organisation, json } => {
                    passerelle::commands::list_feeds(&config, organisation.as_deref(), json).await
                }
                FeedsCommand::Sync { id, json } => passerelle::commands::sync_feeds(&config, id.as_deref(), json).await,
            }
        }
        Command::Search { command } => {
            let config = Config::from_env()?;
            match command {
                SearchCommand::Reindex => passerelle::commands::search_reindex(&config).await,
                SearchCommand::Check { repair, json } => {
                    passerelle::commands::search_check(&config, repair, json).await
                }
                SearchCommand::Status { json } => passerelle::commands::search_status(&config, json).await,
            }
        }
        Command::Backup { file, force } => passerelle::commands::backup(&Config::from_env()?, &file, force).await,
        Command::Restore { file, yes } => passerelle::commands::restore(&Config::from_env()?, &file, yes).await,
        Command::Serve { demo } => {
            let config = Config::from_env()?;
            tracing::info!(?config, "starting");
            passerelle::startup::start(&config, demo)
                .await?
                .run_until_signal()
                .await
        }
    }
}
