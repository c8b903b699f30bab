//! The change bus: what writers changed, told to the subscriptions of every instance once the
//! change is committed.
//!
//! A writer *stages* its changes inside its transaction and *releases* them after commit. On
//! PostgreSQL staging runs `pg_notify`, which the database delivers at commit (never on
//! rollback) to every instance listening, this one included; each instance's listener task
//! forwards them to a local broadcast channel. On SQLite (one process owns the file) releasing
//! sends them to the broadcast channel directly.

use std::future::Future;
use std::sync::{Arc, Mutex, PoisonError};

use sea_orm::{ConnectionTrait, DatabaseBackend, DatabaseConnection};
use serde::{Deserialize, Serialize};
use tokio::sync::{broadcast, watch};
use tokio::task::JoinHandle;
use uuid::Uuid;

use crate::auth::cache::SessionCache;
use crate::error::AppResult;
use crate::store::events::EventFacts;
use crate::store::notify::{self, Listener};

/// The PostgreSQL channel every instance listens on.
pub const CHANNEL: &str = "passerelle_changes";
/// PostgreSQL refuses `NOTIFY` payloads of 8000 bytes or more.
const PAYLOAD_LIMIT: usize = 7900;
/// Ids per notification: 150 UUIDs take about 5.9 kB in JSON, well under the limit.
const IDS_PER_NOTICE: usize = 150;
/// Notifications a slow subscriber may fall behind before it misses some.
const CAPACITY: usize = 1024;

/// How an event changed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EventChangeKind {
    Created,
    Updated,
    Cancelled,
    /// Deleted, or marked `REMOVED_UPSTREAM` by its feed.
    Removed,
}

/// One notification, as sent between instances.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "t", rename_all = "snake_case")]
pub enum Change {
    /// Events that still exist: subscribers read them back through their own scope.
    Events { kind: EventChangeKind, ids: Vec<Uuid> },
    /// A deleted event, with what decides who could see it.
    EventDeleted { id: Uuid, facts: EventFacts },
    /// A sync of a feed ended (successfully or not) and was recorded as run `run_id`.
    FeedRunFinished { feed_id: Uuid, run_id: Uuid },
}

impl Change {
    /// `kind` for `ids`, split so that each notification fits in a `NOTIFY` payload.
    pub fn events(kind: EventChangeKind, ids: &[Uuid]) -> Vec<Change> {
        ids.chunks(IDS_PER_NOTICE)
            .map(|chunk| Change::Events {
                kind,
                ids: chunk.to_vec(),
            })
            .collect()
    }

    /// The JSON of a notification, under PostgreSQL's payload limit.
    fn encode(&self) -> String {
        // Serialising plain strings, numbers and UUIDs cannot fail.
        let json = serde_json::to_string(self).unwrap_or_default();
        if json.len() < PAYLOAD_LIMIT {
            return json;
        }
        // Only a deleted event with many long tags comes near the limit: without its tags it
        // still reaches every subscriber that could see it, except those filtering on a tag.
        match self {
            Change::EventDeleted { id, facts } => {
                tracing::warn!(event = %id, "the deletion notice is too long: sent without its tags");
                let mut facts = facts.clone();
                facts.tags.clear();
                serde_json::to_string(&Change::EventDeleted { id: *id, facts }).unwrap_or_default()
            }
            _ => json,
        }
    }
}

/// The bus of one instance: a cheap handle, cloned into every writer and subscription.
#[derive(Clone)]
pub struct Changes {
    inner: Arc<Inner>,
}

struct Inner {
    sender: broadcast::Sender<Arc<Change>>,
    /// Changes travel through PostgreSQL (`NOTIFY`), not straight to the local channel.
    postgres: bool,
    /// Set when the instance stops: WebSocket connections close.
    stopping: watch::Sender<bool>,
    listener: Mutex<Option<JoinHandle<()>>>,
    /// The sessions this instance has seen, forgotten as the database announces changes.
    sessions: SessionCache,
}

impl Changes {
    fn new(postgres: bool, stopping: watch::Sender<bool>, sessions: SessionCache) -> Changes {
        let (sender, _) = broadcast::channel(CAPACITY);
        Changes {
            inner: Arc::new(Inner {
                sender,
                postgres,
                stopping,
                listener: Mutex::new(None),
                sessions,
            }),
        }
    }

    /// A bus that publishes but has no listener: for commands that write and exit (on
    /// PostgreSQL their changes still reach the running instances).
    pub fn publisher(db: &DatabaseConnection) -> Changes {
        let (stopping, _) = watch::channel(false);
        Changes::new(
            db.get_database_backend() == DatabaseBackend::Postgres,
            stopping,
            SessionCache::off(),
        )
    }

    /// Starts the bus of a serving instance, and its session cache. On PostgreSQL both listen
    /// before returning, so that no change committed after the start is missed.
    pub async fn start(db: &DatabaseConnection, url: &str) -> anyhow::Result<Changes> {
        let postgres = db.get_database_backend() == DatabaseBackend::Postgres;
        let (stopping, _) = watch::channel(false);
        let sessions = SessionCache::start(postgres, url, stopping.subscribe()).await?;
        let changes = Changes::new(postgres, stopping, sessions);
        if changes.inner.postgres {
            let listener = Listener::connect(url, CHANNEL).await?;
            let task = tokio::spawn(listen(
                listener,
                url.to_string(),
                changes.inner.sender.clone(),
                changes.inner.stopping.subscribe(),
            ));
            *changes.inner.listener.lock().unwrap_or_else(PoisonError::into_inner) = Some(task);
        }
        Ok(changes)
    }

    /// Stops the listener and tells WebSocket connections to close.
    pub async fn stop(&self) {
        self.inner.stopping.send_replace(true);
        let task = self
            .inner
            .listener
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .take();
        if let Some(task) = task {
            let _ = task.await;
        }
        self.inner.sessions.stop().await;
    }

    /// The sessions this instance has seen (see `auth::cache`).
    pub fn sessions(&self) -> &SessionCache {
        &self.inner.sessions
    }

    /// Resolves when the instance stops.
    pub fn stopped(&self) -> impl Future<Output = ()> + Send + 'static {
        stopped(self.inner.stopping.subscribe())
    }

    /// Every change committed from now on.
    pub fn subscribe(&self) -> broadcast::Receiver<Arc<Change>> {
        self.inner.sender.subscribe()
    }

    /// Stages `changes` in the writer's transaction `txn`; call `release` on the result once
    /// it is committed.
    pub async fn stage(&self, txn: &impl ConnectionTrait, changes: Vec<Change>) -> AppResult<Staged> {
        if self.inner.postgres {
            for change in &changes {
                notify::notify(txn, CHANNEL, &change.encode()).await?;
            }
            return Ok(Staged { local: None });
        }
        Ok(Staged {
            local: Some((self.inner.sender.clone(), changes)),
        })
    }

    /// Publishes changes already committed (outside any transaction).
    pub async fn publish(&self, db: &impl ConnectionTrait, changes: Vec<Change>) -> AppResult<()> {
        self.stage(db, changes).await?.release();
        Ok(())
    }
}

/// Changes staged in a transaction, to release once it is committed.
#[must_use = "release the changes after commit"]
pub struct Staged {
    local: Option<(broadcast::Sender<Arc<Change>>, Vec<Change>)>,
}

impl Staged {
    /// Sends the staged changes to local subscribers (on PostgreSQL the commit did).
    pub fn release(self) {
        if let Some((sender, changes)) = self.local {
            for change in changes {
                // No subscriber is not an error.
                let _ = sender.send(Arc::new(change));
            }
        }
    }
}

/// Resolves once `stopping` is set (or its sender is gone).
async fn stopped(mut stopping: watch::Receiver<bool>) {
    let _ = stopping.wait_for(|s| *s).await;
}

/// Forwards notifications to the local channel until the instance stops, reconnecting with
/// backoff when the connection fails.
async fn listen(
    mut listener: Listener,
    url: String,
    sender: broadcast::Sender<Arc<Change>>,
    stopping: watch::Receiver<bool>,
) {
    let stop = stopped(stopping);
    tokio::pin!(stop);
    loop {
        let next = tokio::select! {
            next = listener.next() => next,
            _ = &mut stop => return,
        };
        match next {
            Ok(Some(payload)) => match serde_json::from_str::<Change>(&payload) {
                Ok(change) => {
                    let _ = sender.send(Arc::new(change));
                }
                Err(e) => tracing::warn!(error = %e, "an unreadable change notification was ignored"),
            },
            Ok(None) => tracing::warn!("the change listener reconnected: changes made meanwhile were not delivered"),
            Err(e) => {
                tracing::warn!(error = %e, "the change listener lost its connection");
                let Some(again) = Listener::reconnect(&url, CHANNEL, "changes", &mut stop).await else {
                    return;
                };
                tracing::info!("the change listener reconnected: changes made meanwhile were not delivered");
                listener = again;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn notifications_fit_in_a_notify_payload() {
        let ids: Vec<Uuid> = (0..1000).map(|_| Uuid::now_v7()).collect();
        let changes = Change::events(EventChangeKind::Updated, &ids);
        assert_eq!(changes.len(), 7);
        for change in &changes {
            assert!(change.encode().len() < PAYLOAD_LIMIT);
        }
        // The longest facts validation lets through (30 tags of 50 four-byte characters)...
        let mut facts = EventFacts {
            visibility: entity::Visibility::Public,
            organiser_id: Some(Uuid::now_v7()),
            starts_at: chrono::Utc::now(),
            region: Some(entity::Region::Bretagne),
            departement: Some("2A".into()),
            city: Some("\u{1F600}".repeat(200)),
            open_to_public: true,
            audiences: vec![entity::Audience::College; 11],
            tags: (0..30).map(|_| "\u{1F600}".repeat(50)).collect(),
            status: entity::EventStatus::Scheduled,
        };
        let id = Uuid::now_v7();
        let deleted = Change::EventDeleted {
            id,
            facts: facts.clone(),
        };
        let encoded = deleted.encode();
        assert!(encoded.len() < PAYLOAD_LIMIT, "{}", encoded.len());
        assert_eq!(serde_json::from_str::<Change>(&encoded).expect("decodes"), deleted);
        // ...and beyond: the tags are left out rather than the notice.
        facts.tags.extend((0..30).map(|i| format!("{i}")));
        facts.tags.extend((0..10).map(|_| "\u{1F600}".repeat(50)));
        let encoded = Change::EventDeleted { id, facts }.encode();
        assert!(encoded.len() < PAYLOAD_LIMIT, "{}", encoded.len());
        let back: Change = serde_json::from_str(&encoded).expect("decodes");
        assert!(matches!(back, Change::EventDeleted { facts, .. } if facts.tags.is_empty()));
    }
}
