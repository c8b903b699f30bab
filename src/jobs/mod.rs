//! Background work that runs inside `serve`. Each job claims its work in the database, so
//! any number of instances can run it together; each exposes a `run_once` for tests.

pub mod index_search;
pub mod pull_feeds;
pub mod send_mail;

use std::time::Duration;

use tokio::sync::watch;
use tokio::task::JoinHandle;

/// The running background jobs of one instance.
pub struct Jobs {
    stop: watch::Sender<bool>,
    handles: Vec<JoinHandle<()>>,
}

impl Jobs {
    /// Starts the feed scheduler, the search indexer and the mail sender (each when enabled
    /// in the settings).
    pub fn start(
        puller: pull_feeds::Puller,
        indexer: index_search::Indexer,
        prepared: bool,
        mail: send_mail::MailSender,
    ) -> Self {
        let (stop, stopped) = watch::channel(false);
        let mut handles = Vec::new();
        if puller.settings().scheduler {
            handles.push(tokio::spawn(schedule_feeds(puller, stopped.clone())));
        }
        if indexer.settings().indexer {
            handles.push(tokio::spawn(index_search(indexer, prepared, stopped.clone())));
        }
        if mail.settings().sender {
            handles.push(tokio::spawn(send_mail(mail, stopped)));
        }
        Jobs { stop, handles }
    }

    /// Asks every job to stop and waits for the runs in progress, at most `grace`.
    pub async fn stop(self, grace: Duration) {
        let _ = self.stop.send(true);
        for handle in self.handles {
            if tokio::time::timeout(grace, handle).await.is_err() {
                tracing::warn!("a background job did not stop in time; its leases will expire");
            }
        }
    }
}

/// Looks for due feeds every `poll_every` (with jitter, so instances started together
/// spread out), and at once when woken (`Puller::wake`: a feed was registered), until told to
/// stop.
async fn schedule_feeds(puller: pull_feeds::Puller, mut stopped: watch::Receiver<bool>) {
    let every = puller.settings().poll_every;
    loop {
        let jitter =
            Duration::from_millis((uuid::Uuid::new_v4().as_u128() % 1000) as u64 * every.as_millis() as u64 / 4000);
        tokio::select! {
            _ = tokio::time::sleep(every + jitter) => {}
            () = puller.woken() => {}
            _ = stopped.changed() => return,
        }
        tokio::select! {
            result = puller.run_once() => {
                match result {
                    Ok(runs) if !runs.is_empty() => tracing::info!(feeds = runs.len(), "feeds pulled"),
                    Ok(_) => {}
                    Err(e) => tracing::error!(error = format!("{e:#}"), "the feed scheduler could not run"),
                }
            }
            // Stopping mid-run abandons it: its leases expire and another instance retries.
            _ = stopped.changed() => return,
        }
    }
}

/// Drains the search outbox every `poll_every` until told to stop. An engine that could not
/// be prepared at start (unreachable) is prepared first, retried with the same backoff as
/// failed batches.
async fn index_search(indexer: index_search::Indexer, mut prepared: bool, mut stopped: watch::Receiver<bool>) {
    let every = indexer.settings().poll_every;
    let mut failures = 0;
    loop {
        let wait = if failures == 0 {
            every
        } else {
            index_search::backoff(indexer.settings(), failures - 1)
        };
        tokio::select! {
            _ = tokio::time::sleep(wait) => {}
            _ = stopped.changed() => return,
        }
        if !prepared {
            match indexer.prepare().await {
                Ok(()) => {
                    prepared = true;
                    failures = 0;
                    tracing::info!(engine = indexer.backend().name(), "the search engine is ready");
                }
                Err(e) => {
                    failures += 1;
                    tracing::warn!(error = format!("{e:#}"), "the search engine is not ready");
                    continue;
                }
            }
        }
        tokio::select! {
            result = indexer.run_once() => match result {
                Ok(drained) => {
                    if drained.indexed > 0 {
                        tracing::debug!(rows = drained.indexed, "search index updated");
                    }
                    failures = 0;
                }
                Err(e) => {
                    failures += 1;
                    tracing::error!(error = format!("{e:#}"), "the search indexer could not run");
                }
            },
            // Stopping mid-batch abandons it: the rows stay and the leases expire.
            _ = stopped.changed() => return,
        }
    }
}

/// Sends the mail outbox (and queues due digests) every `poll_every` until told to stop. A
/// pass is not abandoned mid-message: it stops before the next one, so that a stopping
/// instance never leaves a message handed over but unmarked.
async fn send_mail(sender: send_mail::MailSender, mut stopped: watch::Receiver<bool>) {
    let every = sender.settings().poll_every;
    loop {
        tokio::select! {
            _ = tokio::time::sleep(every) => {}
            _ = stopped.changed() => return,
        }
        match sender.run(Some(&stopped)).await {
            Ok(pass) if pass.sent + pass.refused + pass.retried > 0 => tracing::info!(
                sent = pass.sent,
                retried = pass.retried,
                refused = pass.refused,
                digests = pass.digests_queued,
                "mail outbox drained"
            ),
            Ok(_) => {}
            Err(e) => tracing::error!(error = format!("{e:#}"), "the mail sender could not run"),
        }
        if *stopped.borrow() {
            return;
        }
    }
}
