//! Sign-in throttling, kept in the database so that it holds across instances.
//!
//! Written by hand: rate-limiting crates such as governor keep their state in process memory,
//! which several instances behind a load balancer would each count apart.
//!
//! An attempt is counted *before* the password is checked, by a compare-and-swap on the
//! key's row: of many parallel attempts, only those the counter admits are checked at all,
//! so a burst cannot slip wrong guesses (and then the right one) past the limit. A success
//! clears the keys it names and gives back the attempt it took on the others.

use chrono::{DateTime, Duration, Utc};
use entity::login_throttle::{ActiveModel, Column as C, Entity as Throttle};
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, Set};

use crate::error::{AppError, AppResult};

/// Failures forgotten after this long without another.
const MEMORY: Duration = Duration::hours(1);
/// Rounds of the compare-and-swap before giving up (only reached under extreme contention).
const ROUNDS: usize = 16;

/// How one key counts: attempts allowed freely, then blocks growing 1 s, 2 s, 4 s … up to
/// `max_block`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Rule {
    pub free: i32,
    pub max_block: Duration,
}

/// The block after `failures` counted attempts: none until `free`, then 1 s, 2 s, 4 s …
/// up to `max_block`.
pub fn block_after(failures: i32, rule: Rule) -> Option<Duration> {
    let over = failures - rule.free;
    (over >= 0).then(|| {
        let secs = 1i64.checked_shl(Ord::min(over, 20) as u32).unwrap_or(i64::MAX);
        Duration::seconds(secs).min(rule.max_block)
    })
}

/// How long the longest block among `keys` still lasts.
pub async fn blocked_for(
    db: &impl ConnectionTrait,
    keys: &[String],
    now: DateTime<Utc>,
) -> AppResult<Option<Duration>> {
    let rows = Throttle::find()
        .filter(C::Key.is_in(keys.iter().cloned()))
        .all(db)
        .await?;
    Ok(rows
        .into_iter()
        .filter_map(|r| r.blocked_until)
        .filter(|until| *until > now)
        .map(|until| until - now)
        .max())
}

/// Counts one attempt on `key`, atomically: `Err(RateLimited)` when the key is blocked
/// (the attempt is then not counted), else the attempt is counted and the key blocked for
/// the next one if it has used its free attempts.
pub async fn take_attempt(db: &impl ConnectionTrait, key: &str, rule: Rule, now: DateTime<Utc>) -> AppResult<()> {
    // The row exists from the first attempt on; inserting it is a no-op afterwards.
    Throttle::insert(ActiveModel {
        key: Set(key.to_string()),
        failures: Set(0),
        last_failure_at: Set(now),
        blocked_until: Set(None),
    })
    .on_conflict_do_nothing_on([C::Key])
    .exec(db)
    .await?;
    for _ in 0..ROUNDS {
        let Some(row) = Throttle::find_by_id(key.to_string()).one(db).await? else {
            // Cleared by a success in between: count from zero.
            return Box::pin(take_attempt(db, key, rule, now)).await;
        };
        if let Some(until) = row.blocked_until.filter(|until| *until > now) {
            return Err(rate_limited(until - now));
        }
        let failures = if now - row.last_failure_at > MEMORY {
            1
        } else {
            row.failures.saturating_add(1)
        };
        let blocked_until = block_after(failures, rule).map(|d| now + d);
        // Only if nobody counted an attempt since the read: else read again.
        let swapped = Throttle::update_many()
            .col_expr(C::Failures, Expr::value(failures))
            .col_expr(C::LastFailureAt, Expr::value(now))
            .col_expr(C::BlockedUntil, Expr::value(blocked_until))
            .filter(C::Key.eq(key))
            .filter(C::Failures.eq(row.failures))
            .filter(C::LastFailureAt.eq(row.last_failure_at))
            .exec(db)
            .await?;
        if swapped.rows_affected == 1 {
            return Ok(());
        }
    }
    // So many attempts at once on one key that the swap kept losing: refuse this one.
    Err(rate_limited(Duration::seconds(1)))
}

/// Gives back the attempt a success took on `key`, leaving earlier failures counted.
pub async fn give_back(db: &impl ConnectionTrait, key: &str, rule: Rule) -> AppResult<()> {
    Throttle::update_many()
        .col_expr(C::Failures, Expr::col(C::Failures).sub(1))
        .filter(C::Key.eq(key))
        .filter(C::Failures.gt(0))
        .exec(db)
        .await?;
    // Under the free attempts again: no block for the next one.
    Throttle::update_many()
        .col_expr(C::BlockedUntil, Expr::value(Option::<DateTime<Utc>>::None))
        .filter(C::Key.eq(key))
        .filter(C::Failures.lt(rule.free))
        .exec(db)
        .await?;
    Ok(())
}

/// Marks `key` as of `now` (a `known:` key: the row's `last_failure_at` holds the time of the
/// mark; it counts nothing and blocks nothing).
pub async fn mark(db: &impl ConnectionTrait, key: &str, now: DateTime<Utc>) -> AppResult<()> {
    Throttle::insert(ActiveModel {
        key: Set(key.to_string()),
        failures: Set(0),
        last_failure_at: Set(now),
        blocked_until: Set(None),
    })
    .on_conflict(
        sea_orm::sea_query::OnConflict::column(C::Key)
            .update_column(C::LastFailureAt)
            .to_owned(),
    )
    .exec(db)
    .await?;
    Ok(())
}

/// Whether `key` was marked after `since`.
pub async fn is_marked(db: &impl ConnectionTrait, key: &str, since: DateTime<Utc>) -> AppResult<bool> {
    Ok(Throttle::find_by_id(key.to_string())
        .one(db)
        .await?
        .is_some_and(|row| row.last_failure_at > since))
}

pub async fn clear(db: &impl ConnectionTrait, key: &str) -> AppResult<()> {
    Throttle::delete_by_id(key.to_string()).exec(db).await?;
    Ok(())
}

fn rate_limited(wait: Duration) -> AppError {
    AppError::RateLimited {
        retry_after_secs: Ord::max(wait.num_seconds(), 1) as u64,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blocks_grow_and_are_capped() {
        let rule = Rule {
            free: 5,
            max_block: Duration::minutes(15),
        };
        assert_eq!(block_after(4, rule), None);
        assert_eq!(block_after(5, rule), Some(Duration::seconds(1)));
        assert_eq!(block_after(7, rule), Some(Duration::seconds(4)));
        assert_eq!(block_after(40, rule), Some(Duration::minutes(15)));
        let slows = Rule {
            free: 10,
            max_block: Duration::seconds(30),
        };
        assert_eq!(block_after(60, slows), Some(Duration::seconds(30)));
    }
}
