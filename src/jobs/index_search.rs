//! The search indexer: drains the search outbox into the engine, rebuilds and checks it.
//!
//! The outbox is split in shards (a record always falls in the same one). An indexer leases a
//! shard in the database, reads its due rows oldest first, indexes the records as they are
//! now (a record gone from the database is deleted from the index), waits for the engine to
//! confirm, and only then deletes the rows. A failed batch keeps its rows, counts the attempt
//! and waits `retry_base × 2^attempts` (at most `retry_max`); an engine that refuses one
//! document fails that record alone. Any number of instances drain together: one lease per
//! shard keeps the changes of one record in order.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use chrono::Utc;
use sea_orm::DatabaseConnection;
use uuid::Uuid;

use crate::config::SearchSettings;
use crate::search::{Backend, Document, RecordType, SearchError};
use crate::store::documents;
use crate::store::outbox;

/// How long a shard lease lasts without renewal: longer than one batch can take.
const LEASE: Duration = Duration::from_secs(120);
/// Records read from the database per step of a rebuild or a check.
const SCAN_PAGE: u64 = 1000;
/// How long `reindex` and `check` wait for the indexers of other instances to let go.
const LEASE_WAIT: Duration = Duration::from_secs(300);

/// What one pass over the outbox did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Drained {
    /// Outbox rows applied and deleted.
    pub indexed: u64,
    /// Outbox rows whose batch failed, left for a later attempt.
    pub failed: u64,
}

/// What `check` found.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CheckReport {
    /// Documents the database has.
    pub expected: u64,
    /// Documents the index has.
    pub indexed: u64,
    /// In the database, not in the index.
    pub missing: Vec<String>,
    /// In both, with another content hash.
    pub stale: Vec<String>,
    /// In the index, not in the database.
    pub orphans: Vec<String>,
    /// Records with outbox rows still waiting: not counted above, the indexer will apply them.
    pub pending: u64,
    /// Whether the differences were fixed.
    pub repaired: bool,
}

impl CheckReport {
    pub fn is_clean(&self) -> bool {
        self.missing.is_empty() && self.stale.is_empty() && self.orphans.is_empty()
    }
}

/// The indexer of one instance.
#[derive(Clone)]
pub struct Indexer {
    db: DatabaseConnection,
    backend: Arc<dyn Backend>,
    settings: SearchSettings,
    /// This instance's lease name.
    owner: String,
}

impl Indexer {
    pub fn new(db: DatabaseConnection, backend: Arc<dyn Backend>, settings: SearchSettings) -> Indexer {
        let host = std::env::var("HOSTNAME").unwrap_or_else(|_| "hub".into());
        let owner = crate::domain::validate::cut(&format!("{host}/{}", Uuid::new_v4()), 64);
        Indexer {
            db,
            backend,
            settings,
            owner,
        }
    }

    pub fn backend(&self) -> &Arc<dyn Backend> {
        &self.backend
    }

    /// Gives back the outbox shards this instance holds (at shutdown, once it stopped).
    pub async fn release_leases(&self) -> crate::error::AppResult<u64> {
        outbox::release_all_shards(&self.db, &self.owner).await
    }

    pub fn settings(&self) -> &SearchSettings {
        &self.settings
    }

    /// Applies the engine's settings; an index created empty is filled by queueing every
    /// record (the indexer then catches up by itself).
    pub async fn prepare(&self) -> anyhow::Result<()> {
        let created = self.backend.prepare().await?;
        if created {
            let txn = crate::store::unit::begin(&self.db).await?;
            let queued = outbox::enqueue_all(&txn).await?;
            txn.commit().await?;
            if queued > 0 {
                tracing::info!(
                    records = queued,
                    "the search index was created: every record is queued for it"
                );
            }
        }
        Ok(())
    }

    fn lease_until(&self) -> chrono::DateTime<Utc> {
        Utc::now() + chrono::Duration::from_std(LEASE).unwrap_or_else(|_| chrono::Duration::seconds(120))
    }

    /// Drains every due row of the shards it can lease, the shards side by side (Meilisearch
    /// indexes the batches of concurrent tasks together); shards leased elsewhere are skipped.
    pub async fn run_once(&self) -> anyhow::Result<Drained> {
        let shards = outbox::due_shards(&self.db).await?;
        let passes = futures_util::future::join_all(shards.into_iter().map(|shard| self.drain_leased(shard))).await;
        let mut drained = Drained::default();
        for pass in passes {
            let pass = pass?;
            drained.indexed += pass.indexed;
            drained.failed += pass.failed;
        }
        Ok(drained)
    }

    async fn drain_leased(&self, shard: i32) -> anyhow::Result<Drained> {
        let mut drained = Drained::default();
        if !outbox::lease_shard(&self.db, shard, &self.owner, self.lease_until()).await? {
            return Ok(drained);
        }
        let result = self.drain_shard(shard, &mut drained).await;
        outbox::release_shard(&self.db, shard, &self.owner).await?;
        result.map(|()| drained)
    }

    async fn drain_shard(&self, shard: i32, drained: &mut Drained) -> anyhow::Result<()> {
        loop {
            let rows = outbox::due(&self.db, shard, self.settings.batch as u64).await?;
            if rows.is_empty() {
                return Ok(());
            }
            let full = rows.len() == self.settings.batch;
            let failed_before = drained.failed;
            self.index_rows(rows, drained).await?;
            // A failing engine is not hammered: the next pass retries after the backoff.
            if !full || drained.failed > failed_before {
                return Ok(());
            }
            if !outbox::lease_shard(&self.db, shard, &self.owner, self.lease_until()).await? {
                return Ok(());
            }
        }
    }

    /// Indexes the records of `rows`; deletes the rows on success, or counts a failed attempt.
    async fn index_rows(&self, rows: Vec<entity::search_outbox::Model>, drained: &mut Drained) -> anyhow::Result<()> {
        let mut by_record: BTreeMap<(RecordType, Uuid), Vec<i64>> = BTreeMap::new();
        let mut attempts = 0;
        let mut unknown = Vec::new();
        for row in rows {
            attempts = attempts.max(row.attempts);
            match RecordType::parse(&row.record_type) {
                Some(ty) => by_record.entry((ty, row.record_id)).or_default().push(row.id),
                None => unknown.push(row.id),
            }
        }
        outbox::done(&self.db, &unknown).await?;
        match self.apply(by_record.keys().copied().collect()).await {
            Ok(()) => {
                let ids: Vec<i64> = by_record.into_values().flatten().collect();
                outbox::done(&self.db, &ids).await?;
                drained.indexed += ids.len() as u64;
            }
            // The engine refused something in the batch: find the record, let the rest through.
            Err(SearchError::Failed(_)) if by_record.len() > 1 => {
                for (record, ids) in by_record {
                    match self.apply(vec![record]).await {
                        Ok(()) => {
                            outbox::done(&self.db, &ids).await?;
                            drained.indexed += ids.len() as u64;
                        }
                        Err(e) => {
                            tracing::warn!(record = %record.0.document_id(record.1), error = %e, "cannot index a record");
                            self.retry_later(&ids, attempts, &e.to_string()).await?;
                            drained.failed += ids.len() as u64;
                        }
                    }
                }
            }
            Err(e) => {
                tracing::warn!(error = %e, "search indexing failed; it will be retried");
                let ids: Vec<i64> = by_record.into_values().flatten().collect();
                self.retry_later(&ids, attempts, &e.to_string()).await?;
                drained.failed += ids.len() as u64;
            }
        }
        Ok(())
    }

    async fn retry_later(&self, ids: &[i64], attempts: i32, error: &str) -> anyhow::Result<()> {
        let wait = backoff(&self.settings, attempts);
        let at = Utc::now() + chrono::Duration::from_std(wait).unwrap_or_else(|_| chrono::Duration::seconds(300));
        outbox::retry_later(&self.db, ids, at, error).await?;
        Ok(())
    }

    /// Reads `records` as they are now and writes them to the engine.
    async fn apply(&self, records: Vec<(RecordType, Uuid)>) -> Result<(), SearchError> {
        let mut by_type: HashMap<RecordType, Vec<Uuid>> = HashMap::new();
        for (ty, id) in records {
            by_type.entry(ty).or_default().push(id);
        }
        let mut upserts = Vec::new();
        let mut deletes = Vec::new();
        for (ty, ids) in by_type {
            let docs = documents::documents(&self.db, ty, &ids)
                .await
                .map_err(|e| SearchError::Unavailable(format!("cannot read the database: {e}")))?;
            let present: HashSet<&str> = docs.iter().map(|d| d.id.as_str()).collect();
            deletes.extend(
                ids.iter()
                    .map(|id| ty.document_id(*id))
                    .filter(|id| !present.contains(id.as_str())),
            );
            upserts.extend(docs);
        }
        self.backend.apply(upserts, deletes).await
    }

    /// Runs passes until no row is due, at most `timeout` (tests, and after a rebuild).
    pub async fn drain(&self, timeout: Duration) -> anyhow::Result<Drained> {
        let deadline = tokio::time::Instant::now() + timeout;
        let mut total = Drained::default();
        loop {
            let pass = self.run_once().await?;
            total.indexed += pass.indexed;
            total.failed += pass.failed;
            let backlog = outbox::backlog(&self.db).await?;
            if backlog.pending == 0 || pass.failed > 0 {
                return Ok(total);
            }
            if tokio::time::Instant::now() >= deadline {
                anyhow::bail!("the search outbox still holds {} rows", backlog.pending);
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// Takes every shard's lease, so that no indexer writes while the index is rebuilt or
    /// checked; waits for the indexers of other instances to finish their batch.
    async fn hold_all(&self) -> anyhow::Result<Vec<i32>> {
        let shards = outbox::shards(&self.db).await?;
        let deadline = tokio::time::Instant::now() + LEASE_WAIT;
        let mut held = Vec::new();
        for shard in shards {
            while !outbox::lease_shard(&self.db, shard, &self.owner, self.lease_until()).await? {
                if tokio::time::Instant::now() >= deadline {
                    self.release(&held).await;
                    anyhow::bail!("another instance keeps indexing shard {shard}; try again later");
                }
                tokio::time::sleep(Duration::from_millis(200)).await;
            }
            held.push(shard);
        }
        Ok(held)
    }

    async fn renew(&self, shards: &[i32]) -> anyhow::Result<()> {
        for &shard in shards {
            if !outbox::lease_shard(&self.db, shard, &self.owner, self.lease_until()).await? {
                anyhow::bail!("lost the lease of search shard {shard}");
            }
        }
        Ok(())
    }

    async fn release(&self, shards: &[i32]) {
        for &shard in shards {
            if let Err(e) = outbox::release_shard(&self.db, shard, &self.owner).await {
                tracing::warn!(error = %e, shard, "cannot release a search shard; its lease will expire");
            }
        }
    }

    /// Rebuilds the index from the database into a fresh one that replaces the live index
    /// whole. Indexing pauses meanwhile (every shard is leased): writes made during the
    /// rebuild stay in the outbox and are applied after it. `progress(done, total)`.
    pub async fn reindex(&self, progress: &(dyn Fn(u64, u64) + Sync)) -> anyhow::Result<u64> {
        let held = self.hold_all().await?;
        let result = self.reindex_held(&held, progress).await;
        self.release(&held).await;
        result
    }

    async fn reindex_held(&self, held: &[i32], progress: &(dyn Fn(u64, u64) + Sync)) -> anyhow::Result<u64> {
        self.backend.prepare().await?;
        let mut total = 0;
        for ty in RecordType::ALL {
            total += documents::count(&self.db, ty).await?;
        }
        let mut rebuild = self.backend.rebuild().await.context("cannot start the rebuild")?;
        let mut done = 0;
        let mut written = 0;
        let result: anyhow::Result<()> = async {
            for ty in RecordType::ALL {
                let mut after = None;
                loop {
                    let (docs, last) = documents::scan(&self.db, ty, after, SCAN_PAGE).await?;
                    let Some(last) = last else { break };
                    done = (done + docs.len() as u64).min(total);
                    written += docs.len() as u64;
                    rebuild.add(docs).await?;
                    self.renew(held).await?;
                    progress(done, total);
                    after = Some(last);
                }
            }
            Ok(())
        }
        .await;
        match result {
            Ok(()) => {
                rebuild
                    .finish()
                    .await
                    .context("cannot put the rebuilt index in place")?;
                progress(total, total);
                Ok(written)
            }
            Err(e) => {
                rebuild.abort().await;
                Err(e)
            }
        }
    }

    /// Compares the database's documents with the index's, by id and content hash; with
    /// `repair`, writes the missing and stale documents and deletes the orphans.
    pub async fn check(&self, repair: bool) -> anyhow::Result<CheckReport> {
        let held = self.hold_all().await?;
        let result = self.check_held(&held, repair).await;
        self.release(&held).await;
        result
    }

    async fn check_held(&self, held: &[i32], repair: bool) -> anyhow::Result<CheckReport> {
        let pending: HashSet<String> = outbox::pending_documents(&self.db).await?;
        let mut expected: HashMap<String, Document> = HashMap::new();
        for ty in RecordType::ALL {
            let mut after = None;
            loop {
                let (docs, last) = documents::scan(&self.db, ty, after, SCAN_PAGE).await?;
                let Some(last) = last else { break };
                expected.extend(docs.into_iter().map(|d| (d.id.clone(), d)));
                after = Some(last);
            }
            self.renew(held).await?;
        }
        let indexed = self.backend.hashes().await?;
        let mut report = CheckReport {
            expected: expected.len() as u64,
            indexed: indexed.len() as u64,
            pending: pending.len() as u64,
            ..Default::default()
        };
        let ids: BTreeSet<&String> = expected.keys().chain(indexed.keys()).collect();
        for id in ids {
            if pending.contains(id.as_str()) {
                continue;
            }
            match (expected.get(id), indexed.get(id)) {
                (Some(_), None) => report.missing.push(id.clone()),
                (Some(doc), Some(hash)) if &doc.hash != hash => report.stale.push(id.clone()),
                (None, Some(_)) => report.orphans.push(id.clone()),
                _ => {}
            }
        }
        if repair && !report.is_clean() {
            let upserts: Vec<Document> = report
                .missing
                .iter()
                .chain(&report.stale)
                .filter_map(|id| expected.get(id).cloned())
                .collect();
            for chunk in upserts.chunks(self.settings.batch) {
                self.backend.apply(chunk.to_vec(), Vec::new()).await?;
                self.renew(held).await?;
            }
            for chunk in report.orphans.chunks(self.settings.batch) {
                self.backend.apply(Vec::new(), chunk.to_vec()).await?;
                self.renew(held).await?;
            }
            report.repaired = true;
        }
        Ok(report)
    }
}

/// The wait after a batch failed `attempts` times before: `retry_base × 2^attempts`, at most
/// `retry_max`.
pub fn backoff(settings: &SearchSettings, attempts: i32) -> Duration {
    let factor = 2u32.saturating_pow(attempts.clamp(0, 20) as u32);
    settings.retry_base.saturating_mul(factor).min(settings.retry_max)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_up_to_the_maximum() {
        let settings = SearchSettings {
            retry_base: Duration::from_secs(2),
            retry_max: Duration::from_secs(60),
            ..Default::default()
        };
        let waits: Vec<u64> = (0..7).map(|n| backoff(&settings, n).as_secs()).collect();
        assert_eq!(waits, vec![2, 4, 8, 16, 32, 60, 60]);
        assert_eq!(backoff(&settings, i32::MAX).as_secs(), 60);
    }
}
