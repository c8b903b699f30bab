//! The sessions an instance has recently seen, so that a signed-in request costs no read of
//! its session and account when nothing about them changed.
//!
//! Only on PostgreSQL, where the database tells every instance what changed: triggers
//! (migration `m20261202_000070`) announce on [`CHANNEL`] each session revoked, shortened or
//! deleted (`s:<id>`), each account whose e-mail, role, organisation, password obligation or
//! disabled flag changed, or that was deleted (`u:<id>`), and a table emptied (`*`), whoever
//! wrote it. Each instance listens on a connection of its own and forgets what it is told.
//! The writes this instance makes itself are also forgotten here right after they commit
//! ([`SessionCache::forget_user`], [`SessionCache::forget_session`]), so that a client never
//! sees its own sign-out ignored; another instance learns of it when the notice arrives,
//! within milliseconds.
//!
//! Nothing is taken on trust that the database has not said: the secret presented is checked
//! against the stored hash on every request, an entry past its session's expiry is never
//! used, none is older than [`MAX_AGE`] whatever the notices say, and while the listener is
//! not connected the cache is off (empty, and nothing is added) until it listens again. A
//! reader that read the database before a notice arrived cannot add what it read after it
//! (the generation check in [`SessionCache::insert`]).
//!
//! On SQLite (one process, the reads in-process) and for commands, the cache is off: every
//! request reads its session.
//!
//! Hand-written: a map of at most [`CAPACITY`] entries, forgotten oldest first, with a
//! generation number; the rules that matter are the invalidation's, which no cache crate
//! knows.

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use tokio::sync::watch;
use tokio::task::JoinHandle;
use uuid::Uuid;

use crate::store::notify::Listener;

/// The PostgreSQL channel the triggers announce credential changes on.
pub const CHANNEL: &str = "passerelle_credentials";
/// Sessions remembered per instance.
pub const CAPACITY: usize = 20_000;
/// The longest an entry is used without reading the database again.
pub const MAX_AGE: Duration = Duration::from_secs(60);

/// What a live session and its account say, as last read.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Entry {
    pub session_id: Uuid,
    pub user_id: Uuid,
    pub secret_hash: String,
    pub expires_at: DateTime<Utc>,
    pub last_used_at: DateTime<Utc>,
    pub email: String,
    pub role: entity::Role,
    pub organisation_id: Option<Uuid>,
    pub must_change_password: bool,
}

struct Kept {
    entry: Entry,
    read_at: Instant,
}

#[derive(Default)]
struct Store {
    /// Off while the listener is not connected, and always on SQLite and for commands.
    on: bool,
    /// Bumped by every forgetting: a reader adds what it read only if none came between.
    generation: u64,
    entries: HashMap<Uuid, Kept>,
    /// Insertion order, to forget the oldest past the bound.
    order: VecDeque<Uuid>,
}

impl Store {
    fn forget(&mut self, what: impl Fn(&Entry) -> bool) {
        self.generation += 1;
        self.entries.retain(|_, kept| !what(&kept.entry));
        let entries = &self.entries;
        self.order.retain(|id| entries.contains_key(id));
    }

    fn clear(&mut self) {
        self.generation += 1;
        self.entries.clear();
        self.order.clear();
    }
}

/// The cache of one instance: a cheap handle.
#[derive(Clone)]
pub struct SessionCache {
    store: Arc<Mutex<Store>>,
    listener: Arc<Mutex<Option<JoinHandle<()>>>>,
}

/// A reader's place in the cache's history, taken before it reads the database.
#[derive(Clone, Copy, Debug)]
pub struct Generation(Option<u64>);

impl SessionCache {
    /// A cache that keeps nothing: every request reads its session.
    pub fn off() -> SessionCache {
        SessionCache {
            store: Arc::new(Mutex::new(Store::default())),
            listener: Arc::new(Mutex::new(None)),
        }
    }

    /// On PostgreSQL, listens on [`CHANNEL`] (before returning, so that no change committed
    /// after the start is missed) until `stopping` is set; elsewhere, [`SessionCache::off`].
    pub async fn start(postgres: bool, url: &str, stopping: watch::Receiver<bool>) -> anyhow::Result<SessionCache> {
        let cache = SessionCache::off();
        if postgres {
            let listener = Listener::connect(url, CHANNEL).await?;
            cache.lock().on = true;
            let task = tokio::spawn(listen(cache.store.clone(), listener, url.to_string(), stopping));
            *cache.listener.lock().unwrap_or_else(PoisonError::into_inner) = Some(task);
        }
        Ok(cache)
    }

    /// Waits for the listener to end (once `stopping` is set).
    pub async fn stop(&self) {
        let task = self.listener.lock().unwrap_or_else(PoisonError::into_inner).take();
        if let Some(task) = task {
            let _ = task.await;
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Store> {
        self.store.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The entry for `session_id`, if one is kept, not older than [`MAX_AGE`] and its session
    /// not expired at `now`.
    pub fn get(&self, session_id: Uuid, now: DateTime<Utc>) -> Option<Entry> {
        let store = self.lock();
        if !store.on {
            return None;
        }
        store
            .entries
            .get(&session_id)
            .filter(|kept| kept.read_at.elapsed() < MAX_AGE && kept.entry.expires_at > now)
            .map(|kept| kept.entry.clone())
    }

    /// Where the cache stands, to take before reading the database.
    pub fn generation(&self) -> Generation {
        let store = self.lock();
        Generation(store.on.then_some(store.generation))
    }

    /// Keeps `entry`, read from the database after `generation` was taken, unless something
    /// was forgotten since (then what was read may already be out of date).
    pub fn insert(&self, generation: Generation, entry: Entry) {
        let mut store = self.lock();
        if !store.on || generation.0 != Some(store.generation) {
            return;
        }
        let id = entry.session_id;
        let kept = Kept {
            entry,
            read_at: Instant::now(),
        };
        if store.entries.insert(id, kept).is_none() {
            store.order.push_back(id);
        }
        while store.order.len() > CAPACITY {
            let Some(oldest) = store.order.pop_front() else { break };
            store.entries.remove(&oldest);
        }
    }

    /// Records that the session was used at `at` (written to the database by the caller).
    pub fn used(&self, session_id: Uuid, at: DateTime<Utc>) {
        if let Some(kept) = self.lock().entries.get_mut(&session_id) {
            kept.entry.last_used_at = at;
        }
    }

    /// Forgets one session.
    pub fn forget_session(&self, session_id: Uuid) {
        self.lock().forget(|e| e.session_id == session_id);
    }

    /// Forgets every session of an account.
    pub fn forget_user(&self, user_id: Uuid) {
        self.lock().forget(|e| e.user_id == user_id);
    }

    /// How many sessions are kept (for tests and metrics).
    pub fn len(&self) -> usize {
        self.lock().entries.len()
    }

    /// Whether no session is kept.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// What a notice on [`CHANNEL`] asks to forget.
#[derive(Debug, PartialEq, Eq)]
enum Notice {
    Session(Uuid),
    User(Uuid),
    All,
}

/// Reads a notice; anything unreadable forgets everything (the safe reading).
fn notice(payload: &str) -> Notice {
    let id = |text: &str| Uuid::parse_str(text).ok();
    match payload.split_once(':') {
        Some(("s", rest)) => id(rest).map_or(Notice::All, Notice::Session),
        Some(("u", rest)) => id(rest).map_or(Notice::All, Notice::User),
        _ => Notice::All,
    }
}

/// Forgets what the notices say until `stopping` is set. When the connection is lost, the
/// cache is emptied and off until a new connection listens again (notices sent meanwhile
/// are lost), then emptied again and on.
async fn listen(store: Arc<Mutex<Store>>, mut listener: Listener, url: String, mut stopping: watch::Receiver<bool>) {
    let lock = || store.lock().unwrap_or_else(PoisonError::into_inner);
    loop {
        let next = tokio::select! {
            next = listener.next() => next,
            _ = stopping.wait_for(|s| *s) => return,
        };
        match next {
            Ok(Some(payload)) => match notice(&payload) {
                Notice::Session(id) => lock().forget(|e| e.session_id == id),
                Notice::User(id) => lock().forget(|e| e.user_id == id),
                Notice::All => lock().clear(),
            },
            lost => {
                {
                    let mut store = lock();
                    store.on = false;
                    store.clear();
                }
                match lost {
                    Err(e) => {
                        tracing::warn!(error = %e, "the session cache lost its listener: sessions are read on every request until it reconnects")
                    }
                    Ok(_) => tracing::warn!(
                        "the session cache's listener was cut: sessions are read on every request until it listens again"
                    ),
                }
                let stop = stopping.wait_for(|s| *s);
                tokio::pin!(stop);
                let Some(again) = Listener::reconnect(&url, CHANNEL, "sessions", &mut stop).await else {
                    return;
                };
                listener = again;
                let mut store = lock();
                store.clear();
                store.on = true;
                tracing::info!("the session cache listens again");
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(session_id: Uuid, user_id: Uuid) -> Entry {
        Entry {
            session_id,
            user_id,
            secret_hash: "h".into(),
            expires_at: Utc::now() + chrono::Duration::hours(1),
            last_used_at: Utc::now(),
            email: "a@b.fr".into(),
            role: entity::Role::Member,
            organisation_id: None,
            must_change_password: false,
        }
    }

    fn on() -> SessionCache {
        let cache = SessionCache::off();
        cache.lock().on = true;
        cache
    }

    #[test]
    fn notices_name_a_session_an_account_or_everything() {
        let id = Uuid::now_v7();
        assert_eq!(notice(&format!("s:{id}")), Notice::Session(id));
        assert_eq!(notice(&format!("u:{id}")), Notice::User(id));
        assert_eq!(notice("*"), Notice::All);
        assert_eq!(notice("s:not-a-uuid"), Notice::All);
        assert_eq!(notice("x:whatever"), Notice::All);
    }

    #[test]
    fn an_off_cache_keeps_nothing() {
        let cache = SessionCache::off();
        let (s, u) = (Uuid::now_v7(), Uuid::now_v7());
        cache.insert(cache.generation(), entry(s, u));
        assert!(cache.get(s, Utc::now()).is_none());
        assert!(cache.is_empty());
    }

    #[test]
    fn what_was_read_before_a_forgetting_is_not_kept() {
        let cache = on();
        let (s, u) = (Uuid::now_v7(), Uuid::now_v7());
        let before = cache.generation();
        cache.forget_user(Uuid::now_v7());
        cache.insert(before, entry(s, u));
        assert!(cache.get(s, Utc::now()).is_none());
        cache.insert(cache.generation(), entry(s, u));
        assert_eq!(cache.get(s, Utc::now()).map(|e| e.user_id), Some(u));
    }

    #[test]
    fn forgetting_an_account_forgets_all_its_sessions_only() {
        let cache = on();
        let (u, other) = (Uuid::now_v7(), Uuid::now_v7());
        let (s1, s2, s3) = (Uuid::now_v7(), Uuid::now_v7(), Uuid::now_v7());
        for (s, owner) in [(s1, u), (s2, u), (s3, other)] {
            cache.insert(cache.generation(), entry(s, owner));
        }
        cache.forget_user(u);
        assert!(cache.get(s1, Utc::now()).is_none() && cache.get(s2, Utc::now()).is_none());
        assert!(cache.get(s3, Utc::now()).is_some());
        cache.forget_session(s3);
        assert!(cache.is_empty());
    }

    #[test]
    fn an_expired_session_is_never_answered() {
        let cache = on();
        let (s, u) = (Uuid::now_v7(), Uuid::now_v7());
        let mut e = entry(s, u);
        e.expires_at = Utc::now() - chrono::Duration::seconds(1);
        cache.insert(cache.generation(), e);
        assert!(cache.get(s, Utc::now()).is_none());
    }

    #[test]
    fn the_oldest_are_forgotten_past_the_bound() {
        let cache = on();
        let first = Uuid::now_v7();
        cache.insert(cache.generation(), entry(first, Uuid::now_v7()));
        for _ in 0..CAPACITY {
            cache.insert(cache.generation(), entry(Uuid::now_v7(), Uuid::now_v7()));
        }
        assert_eq!(cache.len(), CAPACITY);
        assert!(cache.get(first, Utc::now()).is_none());
    }
}
