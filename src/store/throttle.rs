//! Login throttling, kept in the database so that it holds across instances.
//!
//! Written by hand: rate-limiting crates such as governor keep their state in process memory,
//! which several instances behind a load balancer would each count apart.

use chrono::{DateTime, Duration, Utc};
use entity::login_throttle::{ActiveModel, Column as C, Entity as Throttle};
use sea_orm::{ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, IntoActiveModel, QueryFilter, Set};

use crate::error::AppResult;

/// Failures forgotten after this long without another.
const MEMORY: Duration = Duration::hours(1);
/// The longest block.
const MAX_BLOCK: Duration = Duration::minutes(15);

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

/// The block after `failures` failures when `free` are allowed: 1 s, 2 s, 4 s … up to 15 min.
pub fn block_after(failures: i32, free: i32) -> Option<Duration> {
    let over = failures - free;
    (over >= 0).then(|| {
        let secs = 1i64.checked_shl(over.min(20) as u32).unwrap_or(i64::MAX);
        Duration::seconds(secs).min(MAX_BLOCK)
    })
}

/// Counts one failure for `key`, which is blocked once it has more than `free`.
pub async fn record_failure(db: &impl ConnectionTrait, key: &str, free: i32, now: DateTime<Utc>) -> AppResult<()> {
    match Throttle::find_by_id(key.to_string()).one(db).await? {
        Some(row) => {
            let failures = if now - row.last_failure_at > MEMORY {
                1
            } else {
                row.failures + 1
            };
            let mut am = row.into_active_model();
            am.failures = Set(failures);
            am.last_failure_at = Set(now);
            am.blocked_until = Set(block_after(failures, free).map(|d| now + d));
            am.update(db).await?;
        }
        None => {
            ActiveModel {
                key: Set(key.to_string()),
                failures: Set(1),
                last_failure_at: Set(now),
                blocked_until: Set(block_after(1, free).map(|d| now + d)),
            }
            .insert(db)
            .await?;
        }
    }
    Ok(())
}

pub async fn clear(db: &impl ConnectionTrait, key: &str) -> AppResult<()> {
    Throttle::delete_by_id(key.to_string()).exec(db).await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blocks_grow_and_are_capped() {
        assert_eq!(block_after(4, 5), None);
        assert_eq!(block_after(5, 5), Some(Duration::seconds(1)));
        assert_eq!(block_after(7, 5), Some(Duration::seconds(4)));
        assert_eq!(block_after(40, 5), Some(MAX_BLOCK));
    }
}
