//! Request-scoped batching of loads (the DataLoader pattern).
//!
//! Written here rather than using async-graphql's `DataLoader`: that one starts every batch
//! with a `futures-timer` delay served by a separate timer thread, which cost a context switch
//! per batch and made the by-id benchmark kernel-bound. Here the first caller of a batch leads
//! it: it yields until no other resolver adds a key, then loads all keys in one call and hands
//! each waiter its value.

use std::collections::HashMap;
use std::future::Future;
use std::hash::Hash;
use std::sync::{Arc, Mutex, PoisonError};

use tokio::sync::watch;

use crate::error::{AppError, AppResult};

/// How many times a batch leader yields at most while its batch grows.
const MAX_YIELDS: usize = 64;

/// Loads many keys at once.
pub trait BatchLoad<K, V>: Send + Sync + 'static {
    fn load(&self, keys: &[K]) -> impl Future<Output = AppResult<HashMap<K, V>>> + Send;
}

type Outcome<K, V> = Option<Result<Arc<HashMap<K, V>>, AppError>>;

struct Batch<K, V> {
    keys: Vec<K>,
    done: watch::Receiver<Outcome<K, V>>,
}

struct State<K, V> {
    cache: HashMap<K, Option<V>>,
    open: Option<Batch<K, V>>,
}

/// Batches and caches the loads of one request.
pub struct Batcher<K, V, L> {
    loader: L,
    state: Mutex<State<K, V>>,
}

impl<K, V, L> Batcher<K, V, L>
where
    K: Clone + Eq + Hash + Send + Sync + 'static,
    V: Clone + Send + Sync + 'static,
    L: BatchLoad<K, V>,
{
    pub fn new(loader: L) -> Self {
        Batcher {
            loader,
            state: Mutex::new(State {
                cache: HashMap::new(),
                open: None,
            }),
        }
    }

    /// Forgets the values loaded so far (a subscription reads each notification afresh).
    pub fn clear(&self) {
        self.state.lock().unwrap_or_else(PoisonError::into_inner).cache.clear();
    }

    /// The value of `key`, loaded together with every key asked for in the same pass.
    pub async fn load_one(&self, key: K) -> AppResult<Option<V>> {
        enum Role<K, V> {
            Lead(watch::Sender<Outcome<K, V>>),
            Follow(watch::Receiver<Outcome<K, V>>),
        }
        let role = {
            let mut state = self.state.lock().unwrap_or_else(PoisonError::into_inner);
            if let Some(hit) = state.cache.get(&key) {
                return Ok(hit.clone());
            }
            match &mut state.open {
                Some(batch) => {
                    if !batch.keys.contains(&key) {
                        batch.keys.push(key.clone());
                    }
                    Role::Follow(batch.done.clone())
                }
                None => {
                    let (tx, rx) = watch::channel(None);
                    state.open = Some(Batch {
                        keys: vec![key.clone()],
                        done: rx,
                    });
                    Role::Lead(tx)
                }
            }
        };
        let outcome = match role {
            Role::Lead(tx) => {
                // Let the other resolvers join the batch: yield until it stops growing (a list
                // of many items is polled over several passes, 32 futures at a time).
                let mut seen = 0;
                for _ in 0..MAX_YIELDS {
                    tokio::task::yield_now().await;
                    let now = {
                        let state = self.state.lock().unwrap_or_else(PoisonError::into_inner);
                        state.open.as_ref().map_or(0, |b| b.keys.len())
                    };
                    if now == seen {
                        break;
                    }
                    seen = now;
                }
                let keys = {
                    let mut state = self.state.lock().unwrap_or_else(PoisonError::into_inner);
                    state.open.take().map(|b| b.keys).unwrap_or_default()
                };
                let outcome = self.loader.load(&keys).await.map(Arc::new);
                if let Ok(values) = &outcome {
                    let mut state = self.state.lock().unwrap_or_else(PoisonError::into_inner);
                    for k in keys {
                        let v = values.get(&k).cloned();
                        state.cache.insert(k, v);
                    }
                }
                tx.send_replace(Some(outcome.clone()));
                outcome
            }
            Role::Follow(mut rx) => {
                let done = rx
                    .wait_for(Option::is_some)
                    .await
                    .map_err(|_| AppError::internal(anyhow::anyhow!("a batch load was abandoned")))?;
                done.clone()
                    .unwrap_or_else(|| Err(AppError::internal(anyhow::anyhow!("empty batch"))))
            }
        };
        Ok(outcome?.get(&key).cloned())
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicUsize, Ordering};

    use super::*;

    struct Doubler(Arc<AtomicUsize>);

    impl BatchLoad<u32, u32> for Doubler {
        async fn load(&self, keys: &[u32]) -> AppResult<HashMap<u32, u32>> {
            self.0.fetch_add(1, Ordering::SeqCst);
            Ok(keys.iter().filter(|k| **k != 0).map(|k| (*k, k * 2)).collect())
        }
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn one_load_per_pass_and_a_cache() {
        let calls = Arc::new(AtomicUsize::new(0));
        let batcher = Batcher::new(Doubler(calls.clone()));
        // More than 32 futures: join_all polls them over several passes.
        let values = futures_util::future::join_all((0..50).map(|k| batcher.load_one(k))).await;
        assert_eq!(calls.load(Ordering::SeqCst), 1);
        assert_eq!(values[0].as_ref().ok(), Some(&None));
        assert_eq!(values[21].as_ref().ok(), Some(&Some(42)));
        assert_eq!(batcher.load_one(21).await.ok(), Some(Some(42)));
        assert_eq!(calls.load(Ordering::SeqCst), 1, "served from the cache");
    }
}
