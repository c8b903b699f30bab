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

/// A problem with one row of a spreadsheet.
#[derive(SimpleObject)]
pub struct ImportRowError {
    /// Line in the file (the header is line 1).
    pub line: i32,
    /// What is wrong, naming the column (`Date: "31/02/2027" is not a date`).
    pub message: String,
}

/// What an import found and did.
#[derive(SimpleObject)]
pub struct ImportReport {
    /// What the file was read as.
    pub kind: ImportKind,
    /// Whether it was a dry run (nothing written).
    pub dry_run: bool,
    /// Data rows read (blank lines aside).
    pub rows: i32,
    /// Rows that passed every check.
    pub valid: i32,
    /// Records created (0 in a dry run).
    pub created: i32,
    /// Records changed (0 in a dry run).
    pub updated: i32,
    /// Rows that matched a record already as they say (0 in a dry run).
    pub unchanged: i32,
    /// Every bad row, with its line.
    pub errors: Vec<ImportRowError>,
    /// Values read with a fallback.
    pub warnings: Vec<String>,
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
    /// Imports a CSV file (UTF-8 or Windows-1252, comma or semicolon) for an organisation
    /// (editors: their own). Every row is checked first: with `dryRun` nothing is written;
    /// otherwise a file with bad rows writes nothing unless `skipInvalid`. Importing the same
    /// file again creates no duplicates.
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
        Ok(ImportReport {
            kind,
            dry_run,
            rows: count(report.rows),
            valid: count(report.valid),
            created: count(report.created),
            updated: count(report.updated),
            unchanged: count(report.unchanged),
            errors: report
                .errors
                .into_iter()
                .map(|e| ImportRowError {
                    line: i32::try_from(e.line).unwrap_or(i32::MAX),
                    message: e.message,
                })
                .collect(),
            warnings: report.warnings,
            written: report.written,
        })
    }
}
