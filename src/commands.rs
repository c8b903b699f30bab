//! What the command line does besides serving.

use anyhow::{Context, bail};
use sea_orm::TransactionTrait;

use crate::auth::accounts;
use crate::config::Config;
use crate::store;

async fn open(config: &Config) -> anyhow::Result<sea_orm::DatabaseConnection> {
    if config.database_url.starts_with("sqlite:") {
        config.prepare_data_dir()?;
    }
    let (db, _) = store::connect(config).await?;
    store::migrate(&db).await?;
    Ok(db)
}

/// Applies pending migrations.
pub async fn migrate(config: &Config) -> anyhow::Result<()> {
    open(config).await.map(|_| ())
}

/// `passerelle user create`: prints the temporary password once.
pub async fn create_user(
    config: &Config,
    email: &str,
    organisation: Option<&str>,
    role: entity::Role,
    name: Option<&str>,
    json: bool,
) -> anyhow::Result<()> {
    let db = open(config).await?;
    let organisation_id = match organisation {
        Some(slug) => match store::organisations::by_slug(&db, slug).await? {
            Some(org) => Some(org.id),
            None => bail!("no organisation has the slug {slug:?}"),
        },
        None => None,
    };
    let txn = db.begin().await?;
    let (user, temporary) = accounts::create_user(&txn, email, name, organisation_id, role)
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))
        .context("cannot create the account")?;
    store::audit::record(
        &txn,
        store::audit::Change {
            actor_kind: "system",
            actor_id: None,
            actor_label: "command line".into(),
            entity_type: "User",
            entity_id: Some(user.id),
            operation: "create",
            changed_fields: vec![
                "email".into(),
                "displayName".into(),
                "organisationId".into(),
                "role".into(),
            ],
        },
    )
    .await
    .map_err(|e| anyhow::anyhow!("{e}"))?;
    txn.commit().await?;
    if json {
        println!(
            "{}",
            serde_json::json!({ "id": user.id, "email": user.email, "temporaryPassword": temporary })
        );
    } else {
        println!("created {} ({}, {})", user.email, role.as_str(), user.id);
        println!("temporary password (shown once, to change at first sign-in): {temporary}");
    }
    Ok(())
}
