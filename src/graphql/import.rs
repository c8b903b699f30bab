//! `importCsv`: a spreadsheet uploaded with the GraphQL multipart request specification.

use std::io::Read;

use async_graphql::{Context, Enum, ID, Object, Result, SimpleObject, Upload};

use super::enums::{Visibility, mirror_enum};
use super::error::{IntoGql, to_gql};
use super::exec::{db, viewer};
use super::write::{default_owner, opt_id};
use crate::error::AppError;
use crate::import;

mirror_enum!(
    /// What an imported spreadsheet holds.
    ImportKind = import::Kind {
        /// The workshop's events layout (`Nom de l'événement;Lieu;Description;Auteur;Organisateur;Date;Ouvert;Lien`) or the events export.
        Events,
        /// The workshop's resources layout (`Objet;Contenu;Description;Lien;Auteur;Libre de droit`) or the resources export.
        Resources,
        /// The contacts export, or French headers (`Prénom;Nom;Fonction;E-mail;Téléphone;…`).
        Contacts,
    }
);

/// A problem with one row of a spreadsheet: the row is refused.
#[derive(SimpleObject)]
pub struct ImportRowError {
    /// Line in the file, or row in the sheet (the header is the first).
    pub line: i32,
    /// The column at fault, as its header is written, when the problem is one cell's.
    pub column: Option<String>,
    /// `column: what is wrong` (the column first when there is one).
    pub message: String,
}

/// A remark about one row or cell: what was read, and what was stored.
#[derive(SimpleObject)]
pub struct ImportWarning {
    /// Line in the file, or row in the sheet (the header is the first).
    pub line: i32,
    /// The column, as its header is written, when the remark is about one cell.
    pub column: Option<String>,
    /// `column: what was read and stored` (the column first when there is one).
    pub message: String,
}

mirror_enum!(
    /// What an import did, or would do (a dry run), with one row.
    ImportOutcome = import::Outcome {
        /// A new record.
        Created,
        /// A record it matched, whose fields in `changes` change.
        Updated,
        /// A record it matched, which it leaves as it is.
        Unchanged,
        /// Left alone: another organisation's record, or the same record as an earlier row (`reason`).
        Skipped,
        /// Refused: see the errors of its line.
        Refused,
    }
);

/// One field a row sets (created) or changes (updated), as text.
#[derive(SimpleObject)]
pub struct ImportFieldChange {
    /// The field's GraphQL name (`location.city`, `openToPublic`).
    pub field: String,
    /// Its value before (null: empty, or a new record).
    pub before: Option<String>,
    /// Its value after (null: cleared).
    pub after: Option<String>,
}

/// What became of one row of the file, or what would (a dry run).
#[derive(SimpleObject)]
pub struct ImportRow {
    /// Line in the file, or row in the sheet.
    pub line: i32,
    /// What the row did (for a dry run, what it would do).
    pub outcome: ImportOutcome,
    /// The record the row matched or created (null for a dry run's creations and refused rows).
    pub id: Option<ID>,
    /// The row's title or name.
    pub label: String,
    /// The fields set (created) or changed (updated), with their old and new values.
    pub changes: Vec<ImportFieldChange>,
    /// Why the row was skipped.
    pub reason: Option<String>,
}

/// What an import found and did; for a dry run, what the real run would do.
#[derive(SimpleObject)]
pub struct ImportReport {
    /// What the file was read as.
    pub kind: ImportKind,
    /// Whether it was a dry run (nothing written).
    pub dry_run: bool,
    /// Data rows in the file (blank lines aside), each counted once.
    pub rows: i32,
    /// Rows without errors (skipped ones included).
    pub valid: i32,
    /// Records created (0 in a dry run).
    pub created: i32,
    /// Records changed (0 in a dry run).
    pub updated: i32,
    /// Rows that matched a record already as they say (0 in a dry run).
    pub unchanged: i32,
    /// Rows left alone: another organisation's records, the same record twice.
    pub skipped: i32,
    /// Rows with at least one error.
    pub refused: i32,
    /// Every error, with its line and column.
    pub errors: Vec<ImportRowError>,
    /// Values read with a default or completed (an empty `Ouvert`, a link without `https://`…), with their line and column.
    pub warnings: Vec<ImportWarning>,
    /// Every row, in the order of the file: its outcome and changes.
    pub lines: Vec<ImportRow>,
    /// False for a dry run, and for a file refused because of bad rows.
    pub written: bool,
}

fn count(n: usize) -> i32 {
    i32::try_from(n).unwrap_or(i32::MAX)
}

#[derive(Default)]
pub struct ImportMutation;

#[Object]
impl ImportMutation {
    /// Imports a spreadsheet for an organisation (editors: their own): CSV (UTF-8 or
    /// Windows-1252, comma or semicolon), `.xlsx` or `.ods` (the first sheet). A column the file
    /// does not have changes nothing; an empty cell clears its field, or gives it its default.
    /// Rows of another organisation's records are skipped. Every row is planned first (created,
    /// updated with its changes, unchanged, skipped, refused): with `dryRun` nothing is
    /// written and the report says what the real run would do; otherwise a file with refused
    /// rows writes nothing unless `skipInvalid`. Importing the same file again changes nothing.
    async fn import_csv(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "What the file holds.")] kind: ImportKind,
        #[graphql(desc = "The file, as a part of the multipart request (at most `PASSERELLE_MAX_UPLOAD_BYTES`).")]
        file: Upload,
        #[graphql(
            desc = "The organisation the records are for: the caller's (editors may leave it out) or any (administrators)."
        )]
        organisation_id: Option<ID>,
        #[graphql(
            default = false,
            desc = "Check every row and report, writing nothing; default false."
        )]
        dry_run: bool,
        #[graphql(
            default = false,
            desc = "Write the good rows of a file that has bad ones (else nothing is written); default false."
        )]
        skip_invalid: bool,
        #[graphql(
            desc = "The visibility of rows that give none; left out, each kind's default (`PUBLIC`; contacts `PARTNERS`)."
        )]
        visibility: Option<Visibility>,
        #[graphql(
            default = "Europe/Paris",
            desc = "The IANA zone of dates and times written without an offset; default `Europe/Paris`."
        )]
        timezone: String,
    ) -> Result<ImportReport> {
        let viewer = viewer(ctx);
        viewer.require_signed_in().gql()?;
        let mut owner = opt_id("organisationId", organisation_id).gql()?;
        default_owner(viewer, &mut owner);
        viewer.require_editor_of(owner, crate::auth::Task::ImportFiles).gql()?;
        let organisation_id =
            owner.ok_or_else(|| to_gql(AppError::bad_input("organisationId", "organisationId is required")))?;
        let organisation = crate::store::record::find::<entity::organisation::Entity>(
            db(ctx),
            crate::domain::Scope::All,
            organisation_id,
        )
        .await
        .map_err(|_| to_gql(AppError::bad_input("organisationId", "no organisation has this id")))?;
        let timezone = timezone.trim().parse().map_err(|_| {
            to_gql(AppError::bad_input(
                "timezone",
                "timezone must be an IANA zone such as Europe/Paris",
            ))
        })?;
        let mut body = Vec::new();
        file.value(ctx)?
            .content
            .read_to_end(&mut body)
            .map_err(|_| to_gql(AppError::bad_input("file", "the uploaded file could not be read")))?;
        let options = import::Options {
            organisation_id,
            organisation_name: organisation.name,
            dry_run,
            skip_invalid,
            timezone,
            visibility: visibility.map(Into::into),
            actor: viewer.audit_actor(),
        };
        let kind_in: import::Kind = kind.into();
        let bus = super::exec::changes(ctx);
        let report = import::run(db(ctx), kind_in, &body, &options, &|_, _| {}, bus)
            .await
            .gql()?;
        let line = |n: u64| i32::try_from(n).unwrap_or(i32::MAX);
        Ok(ImportReport {
            kind,
            dry_run,
            rows: count(report.rows),
            valid: count(report.valid),
            created: count(report.created),
            updated: count(report.updated),
            unchanged: count(report.unchanged),
            skipped: count(report.skipped),
            refused: count(report.refused),
            errors: report
                .errors
                .into_iter()
                .map(|e| ImportRowError {
                    line: line(e.line),
                    message: e.detail(),
                    column: e.column,
                })
                .collect(),
            warnings: report
                .warnings
                .into_iter()
                .map(|w| ImportWarning {
                    line: line(w.line),
                    message: w.detail(),
                    column: w.column,
                })
                .collect(),
            lines: report
                .lines
                .into_iter()
                .map(|r| ImportRow {
                    line: line(r.line),
                    outcome: r.outcome.into(),
                    id: r.id.map(|id| ID(id.to_string())),
                    label: r.label,
                    changes: r
                        .changes
                        .into_iter()
                        .map(|c| ImportFieldChange {
                            field: c.field.to_string(),
                            before: c.before,
                            after: c.after,
                        })
                        .collect(),
                    reason: r.reason,
                })
                .collect(),
            written: report.written,
        })
    }
}
