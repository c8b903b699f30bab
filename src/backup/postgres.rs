//! PostgreSQL: `pg_dump --format=custom` for the copy (one snapshot, writers go on), and
//! `pg_restore --clean --if-exists --no-owner` in one transaction for the return.
//!
//! The password travels in `PGPASSWORD`, never on a command line (`ps` shows those to every
//! user of the machine), and URLs are shown redacted.

use std::path::Path;

use anyhow::{Context, bail};

use super::{Restored, pending_migrations, rebuild_search};
use crate::config::{Config, redact_url};
use crate::store;

/// A database URL as the PostgreSQL tools take it: without its password, given apart.
struct Target {
    url: String,
    password: Option<String>,
}

impl Target {
    fn parse(raw: &str) -> anyhow::Result<Target> {
        let mut url = url::Url::parse(raw).with_context(|| format!("{} is not a URL", redact_url(raw)))?;
        let decode = |s: &str| percent_encoding::percent_decode_str(s).decode_utf8_lossy().into_owned();
        let mut password = url.password().map(decode);
        // libpq also reads `?password=`; sqlx's own parameters would make it refuse the URL.
        let mut kept = Vec::new();
        for (key, value) in url.query_pairs() {
            match &*key {
                "password" => password = Some(value.into_owned()),
                "statement-cache-capacity" => {}
                _ => kept.push((key.into_owned(), value.into_owned())),
            }
        }
        if kept.is_empty() {
            url.set_query(None);
        } else {
            url.query_pairs_mut().clear().extend_pairs(kept);
        }
        if url.set_password(None).is_err() {
            bail!("{} cannot carry a password", redact_url(raw));
        }
        Ok(Target {
            url: url.to_string(),
            password,
        })
    }

    fn command(&self, program: &str) -> tokio::process::Command {
        let mut cmd = tokio::process::Command::new(program);
        cmd.stdin(std::process::Stdio::null()).kill_on_drop(true);
        if let Some(password) = &self.password {
            cmd.env("PGPASSWORD", password);
        }
        cmd
    }
}

/// Quotes an argument for the shell line shown to the operator.
fn quoted(arg: &str) -> String {
    if arg.chars().all(|c| c.is_ascii_alphanumeric() || "-_./=:@,".contains(c)) {
        arg.to_string()
    } else {
        format!("'{}'", arg.replace('\'', r"'\''"))
    }
}

/// The command line the operator can run by hand (the password left to `PGPASSWORD`).
fn shown(target: &Target, program: &str, args: &[&str]) -> String {
    let mut line = String::new();
    if target.password.is_some() {
        line.push_str("PGPASSWORD=… ");
    }
    line.push_str(program);
    for arg in args {
        line.push(' ');
        line.push_str(&quoted(arg));
    }
    line
}

/// Runs a PostgreSQL client tool; a missing tool is told with how to install it and the
/// command to run by hand (`equivalent`, the arguments of the whole operation). Returns its
/// standard output.
async fn run(target: &Target, program: &str, args: &[&str], equivalent: &[&str]) -> anyhow::Result<String> {
    let output = match target.command(program).args(args).output().await {
        Ok(output) => output,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => bail!(
            "{program} est introuvable : installez le client PostgreSQL (Debian, Ubuntu : apt-get install postgresql-client, \
             de la version majeure du serveur ou plus récente), ou lancez vous-même :\n  {line}\n\
             {program} was not found: install the PostgreSQL client (Debian, Ubuntu: apt-get install postgresql-client, \
             the server's major version or newer), or run yourself:\n  {line}",
            line = shown(target, program, equivalent)
        ),
        Err(e) => return Err(e).with_context(|| format!("cannot run {program}")),
    };
    if !output.status.success() {
        bail!(
            "{program} a échoué / failed ({}):\n{}",
            output.status,
            String::from_utf8_lossy(&output.stderr).trim()
        );
    }
    Ok(String::from_utf8_lossy(&output.stdout).into_owned())
}

fn path_arg(path: &Path) -> anyhow::Result<&str> {
    path.to_str()
        .with_context(|| format!("{} is not a valid UTF-8 path", path.display()))
}

/// `pg_dump --format=custom --file OUT URL` (`out` the temporary file, `file` the name asked for,
/// shown in the command to run by hand).
pub(super) async fn backup(url: &str, out: &Path, file: &Path) -> anyhow::Result<()> {
    let target = Target::parse(url)?;
    let args = ["--format=custom", "--file", path_arg(out)?, &target.url];
    let equivalent = ["--format=custom", "--file", path_arg(file)?, &target.url];
    run(&target, "pg_dump", &args, &equivalent).await?;
    Ok(())
}

/// `pg_restore --clean --if-exists --no-owner` of `file` into the configured database.
pub(super) async fn restore(config: &Config, file: &Path, yes: bool) -> anyhow::Result<Restored> {
    let target = Target::parse(&config.database_url)?;
    let shown_url = redact_url(&config.database_url);
    let (db, _) = store::connect(config).await?;
    let tables = store::backup::postgres_table_count(&db).await;
    let _ = db.close().await;
    let tables = tables.context("cannot count the tables of the database")?;
    if tables > 0 && !yes {
        bail!(
            "La base {shown_url} a déjà {tables} tables, que la restauration remplacerait. \
             Arrêtez les hubs qui l'utilisent, puis relancez avec --yes.\n\
             The database {shown_url} already has {tables} tables, which the restore would replace. \
             Stop the hubs that use it, then run again with --yes."
        );
    }
    let file_arg = path_arg(file)?;
    let restore_args = [
        "--clean",
        "--if-exists",
        "--no-owner",
        "--single-transaction",
        "--dbname",
        &target.url,
        file_arg,
    ];
    // Read the archive's table of contents first: a file pg_restore cannot read, or that is not
    // a Passerelle backup, changes nothing.
    let listing = run(&target, "pg_restore", &["--list", file_arg], &restore_args).await.with_context(|| {
        format!(
            "{0} n'est pas une archive de pg_dump (--format=custom) lisible\n{0} is not a readable pg_dump archive (--format=custom)",
            file.display()
        )
    })?;
    let migrations_table = format!(" {} ", store::backup::MIGRATIONS_TABLE);
    if !listing
        .lines()
        .any(|l| l.contains(" TABLE ") && format!("{l} ").contains(&migrations_table))
    {
        bail!(
            "{0} n'a pas de table {1} : ce n'est pas une sauvegarde de Passerelle.\n\
             {0} has no {1} table: it is not a Passerelle backup.",
            file.display(),
            store::backup::MIGRATIONS_TABLE
        );
    }
    // One transaction: a restore that fails half-way leaves the database as it was.
    run(&target, "pg_restore", &restore_args, &restore_args).await?;
    let (db, _) = store::connect(config).await?;
    let after = async {
        let applied = store::backup::applied_migrations(&db).await?;
        let released = store::backup::release_leases(&db).await?;
        anyhow::Ok((applied, released))
    }
    .await;
    let _ = db.close().await;
    let (applied, released_leases) = after.context("the database is restored, but cannot be read back")?;
    let pending = pending_migrations(&applied).context("the database is restored, but")?;
    let search = rebuild_search(config)?;
    Ok(Restored {
        target: shown_url,
        bytes: std::fs::metadata(file).map(|m| m.len()).unwrap_or(0),
        previous: None,
        released_leases,
        search,
        pending_migrations: pending,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_password_leaves_the_url_for_the_environment() {
        let t = Target::parse(
            "postgres://hub:s%40cr%C3%A8t@db.example:5433/passerelle?sslmode=require&statement-cache-capacity=0",
        )
        .expect("parsed");
        assert_eq!(t.url, "postgres://hub@db.example:5433/passerelle?sslmode=require");
        assert_eq!(t.password.as_deref(), Some("s@crèt"));
        let t = Target::parse("postgresql://hub@localhost/p?password=x%20y").expect("parsed");
        assert_eq!(t.url, "postgresql://hub@localhost/p");
        assert_eq!(t.password.as_deref(), Some("x y"));
        let t = Target::parse("postgres://localhost/p").expect("parsed");
        assert_eq!(t.password, None);
        let line = shown(
            &Target::parse("postgres://hub:secret@h/p").expect("parsed"),
            "pg_dump",
            &["--file", "my backup.dump", "postgres://hub@h/p"],
        );
        assert_eq!(line, "PGPASSWORD=… pg_dump --file 'my backup.dump' postgres://hub@h/p");
    }
}
