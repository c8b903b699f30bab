//! Command-line habits, with the real binary: quiet migrations unless some are pending, no
//! colour codes off a terminal, the database each command uses said (its password masked),
//! no database created by commands that expect one, a refused PostgreSQL connection named
//! at once, host names in `PASSERELLE_LISTEN`.

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Command, Output, Stdio};

use crate::common::{FreshDatabase, fresh_databases};

/// `passerelle <args>` on `database`, with the default log filter, run from `dir`.
fn passerelle(database: &FreshDatabase, dir: &Path, args: &[&str]) -> Output {
    command(dir, args)
        .env("PASSERELLE_DATA_DIR", &database.config.data_dir)
        .env("PASSERELLE_DATABASE_URL", &database.config.database_url)
        .output()
        .expect("the command runs")
}

/// The binary with the environment a person would have: no log filter, no colour setting,
/// nothing of the test's own database settings.
fn command(dir: &Path, args: &[&str]) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_passerelle"));
    command
        .args(args)
        .current_dir(dir)
        .env_remove("RUST_LOG")
        .env_remove("NO_COLOR")
        .env_remove("PASSERELLE_DATABASE_URL")
        .env_remove("PASSERELLE_DATA_DIR")
        .env_remove("PASSERELLE_LISTEN")
        .env_remove("MEILI_URL");
    command
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// How a command names the database of `database` (SQLite: the file's absolute path;
/// PostgreSQL: the URL, its password masked).
fn shown(database: &FreshDatabase) -> String {
    if database.backend == "sqlite" {
        let path = database.config.data_dir.join("passerelle.db");
        format!(
            "database: SQLite {}",
            std::path::absolute(&path).expect("a path").display()
        )
    } else {
        let mut url = url::Url::parse(&database.config.database_url).expect("a URL");
        if url.password().is_some() {
            url.set_password(Some("***")).expect("a password can be set");
        }
        format!("database: PostgreSQL {url}")
    }
}

fn scratch() -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("passerelle-cli-{}", uuid::Uuid::new_v4()));
    std::fs::create_dir_all(&dir).expect("a directory");
    dir
}

#[tokio::test]
async fn migrations_are_quiet_unless_pending_and_every_command_names_its_database() {
    for database in fresh_databases().await {
        let dir = scratch();
        let first = passerelle(&database, &dir, &["migrate"]);
        let (stdout, stderr) = (text(&first.stdout), text(&first.stderr));
        assert!(first.status.success(), "[{}] {stderr}", database.backend);
        assert!(stdout.contains("migrations applied."), "{stdout}");
        assert!(stderr.contains(&shown(&database)), "[{}] {stderr}", database.backend);
        assert!(stderr.contains("pending migrations ("), "{stderr}");
        assert!(stderr.contains("m20261201_000030_add_sort_keys"), "{stderr}");
        // One line before, one after: not the migration runner's line per migration.
        assert_eq!(
            stderr.lines().filter(|l| l.contains("migration")).count(),
            2,
            "{stderr}"
        );
        // Not a terminal: no colour codes.
        assert!(!stderr.contains('\u{1b}'), "{stderr:?}");
        if let Some(password) = url::Url::parse(&database.config.database_url)
            .ok()
            .and_then(|u| u.password().map(str::to_string))
        {
            assert!(!stderr.contains(&format!(":{password}@")), "{stderr}");
        }

        let again = passerelle(&database, &dir, &["migrate"]);
        let (stdout, stderr) = (text(&again.stdout), text(&again.stderr));
        assert!(again.status.success(), "{stderr}");
        assert!(
            stdout.contains("No pending migration: the database is up to date."),
            "{stdout}"
        );
        assert!(!stderr.contains("migration"), "[{}] quiet: {stderr}", database.backend);

        for args in [
            &["search", "status"][..],
            &["feeds", "list"],
            &["mail", "status"],
            &["user", "create", "--email", "premiere@example.org", "--role", "ADMIN"],
        ] {
            let out = passerelle(&database, &dir, args);
            let stderr = text(&out.stderr);
            assert!(out.status.success(), "[{}] {args:?}: {stderr}", database.backend);
            assert!(stderr.contains(&shown(&database)), "{args:?}: {stderr}");
            assert!(!stderr.contains("migration"), "{args:?}: {stderr}");
            assert!(!stderr.contains('\u{1b}'), "{args:?}: {stderr:?}");
        }
        let _ = std::fs::remove_dir_all(&dir);
        database.remove().await;
    }
}

#[test]
fn commands_other_than_serve_and_migrate_never_create_a_database() {
    // Run from another folder, with the default data directory (`./data`).
    let dir = scratch();
    let expected = std::path::absolute(dir.join("data").join("passerelle.db")).expect("a path");
    for args in [
        &["user", "create", "--email", "admin@example.org", "--role", "ADMIN"][..],
        &["feeds", "list"],
        &["search", "status"],
        &["mail", "status"],
        &["import", "contacts", "missing.csv", "--organisation", "x"],
        &["backup", "copy.db"],
    ] {
        let out = command(&dir, args).output().expect("the command runs");
        let stderr = text(&out.stderr);
        assert!(!out.status.success(), "{args:?}: {stderr}");
        if args[0] != "import" {
            assert!(
                stderr.contains(&format!("no database at {}", expected.display())),
                "{args:?}: {stderr}"
            );
        }
        assert!(!expected.exists(), "{args:?} created {}", expected.display());
    }
    let out = command(&dir, &["search", "status"]).output().expect("runs");
    let stderr = text(&out.stderr);
    assert!(
        stderr.contains("run `passerelle migrate` (or `passerelle serve`) to create it")
            && stderr.contains("PASSERELLE_DATABASE_URL")
            && stderr.contains("lancez `passerelle migrate`"),
        "{stderr}"
    );
    // `migrate` creates it; then the same command works on it.
    let out = command(&dir, &["migrate"]).output().expect("runs");
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(expected.is_file());
    let out = command(&dir, &["search", "status"]).output().expect("runs");
    assert!(out.status.success(), "{}", text(&out.stderr));
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_refused_postgresql_connection_is_named_at_once() {
    // A port nothing listens on: bound, then let go.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port();
    let dir = scratch();
    let url = format!("postgres://passerelle:s3cret-word@127.0.0.1:{port}/passerelle");
    for args in [&["search", "status"][..], &["migrate"], &["serve"]] {
        let out = command(&dir, args)
            .env("PASSERELLE_DATABASE_URL", &url)
            .env("PASSERELLE_LISTEN", "127.0.0.1:0")
            .output()
            .expect("the command runs");
        let stderr = text(&out.stderr);
        assert!(!out.status.success(), "{args:?}: {stderr}");
        assert!(
            stderr.contains(&format!("connection refused at 127.0.0.1:{port}"))
                && stderr.contains(&format!("connexion refusée à 127.0.0.1:{port}")),
            "{args:?}: {stderr}"
        );
        assert!(!stderr.contains("pool timed out"), "{args:?}: {stderr}");
        assert!(!stderr.contains("s3cret-word"), "{args:?}: {stderr}");
        assert!(
            stderr.contains("postgres://passerelle:***@127.0.0.1"),
            "{args:?}: {stderr}"
        );
    }
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test]
async fn serve_listens_on_a_host_name() {
    for database in fresh_databases().await {
        let dir = scratch();
        let mut child = command(&dir, &["serve"])
            .env("PASSERELLE_DATA_DIR", &database.config.data_dir)
            .env("PASSERELLE_DATABASE_URL", &database.config.database_url)
            .env("PASSERELLE_LISTEN", "localhost:0")
            .env("PASSERELLE_FEEDS_SCHEDULER", "false")
            .env("PASSERELLE_MAIL_SENDER", "false")
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("the hub starts");
        let stderr = child.stderr.take().expect("its log");
        // The log, read to its end (a log nobody reads would block the hub), until the hub
        // says where it listens (or ends).
        let (lines, seen) = std::sync::mpsc::channel::<String>();
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                let _ = lines.send(line);
            }
        });
        let (log, addr) = tokio::task::spawn_blocking(move || {
            let mut log = String::new();
            for line in seen.iter() {
                log.push_str(&line);
                log.push('\n');
                if let Some(addr) = line.split("addr=").nth(1).filter(|_| line.contains("listening")) {
                    return (log, Some(addr.trim().to_string()));
                }
            }
            (log, None)
        })
        .await
        .expect("the log is read");
        let Some(addr) = addr else {
            let _ = child.kill();
            let _ = child.wait();
            panic!("[{}] the hub did not listen: {log}", database.backend);
        };
        assert!(addr.starts_with("127.0.0.1:") || addr.starts_with("[::1]:"), "{addr}");
        assert!(log.contains(&shown(&database)), "{log}");
        assert!(!log.contains('\u{1b}'), "{log:?}");
        // No hub runs in this test process to have chosen reqwest's TLS provider.
        let _ = rustls::crypto::ring::default_provider().install_default();
        let health = reqwest::get(format!("http://{addr}/healthz"))
            .await
            .expect("the hub answers");
        assert_eq!(health.status(), 200);
        // Ours, by its id.
        child.kill().expect("the hub is stopped");
        let _ = child.wait();
        let _ = std::fs::remove_dir_all(&dir);
        database.remove().await;
    }

    let dir = scratch();
    let out = command(&dir, &["serve"])
        .env("PASSERELLE_LISTEN", "localhost")
        .output()
        .expect("runs");
    let stderr = text(&out.stderr);
    assert!(!out.status.success());
    assert!(
        stderr.contains("PASSERELLE_LISTEN=\"localhost\" is not valid: expected host:port"),
        "{stderr}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}
