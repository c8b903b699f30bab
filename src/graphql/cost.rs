//! Rate limiting counted in query cost, as GitHub's and Shopify's GraphQL APIs do: every
//! operation spends the complexity async-graphql computed for it in validation (a cheap query
//! a few points, a 100-item nested page many), out of a budget per minute per client address
//! (anonymous callers) or per session / API key. Over budget: `RATE_LIMITED` with the wait.
//! Every answer carries `extensions.cost { requested, remaining, resetAt }`.
//!
//! The budget is a GCRA bucket from governor, per instance: behind a load balancer each
//! instance counts its own share, which is what a per-minute budget against floods needs (the
//! sign-in throttle, which must hold across instances, lives in the database instead).
//!
//! A document refused before it runs (over a limit, unparsable, invalid, a batch) costs its
//! client address [`REFUSAL_COST`] points of the anonymous budget, whoever sends it: refusing is
//! cheap, but not free. An address whose budget is spent is answered 429 at the door for the
//! rest of its wait, before its body is read, so that a client flooding the hub with hostile
//! documents soon costs it little more than reading headers.

use std::collections::HashMap;
use std::net::IpAddr;
use std::num::NonZeroU32;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use async_graphql::extensions::{Extension, ExtensionContext, ExtensionFactory, NextRequest, NextValidation};
use async_graphql::{Response, ServerError, ValidationResult, Value};
use governor::clock::{Clock, DefaultClock};
use governor::middleware::StateInformationMiddleware;
use governor::state::keyed::DefaultKeyedStateStore;
use governor::{Quota, RateLimiter};

use crate::error::AppError;

/// Who spends the budget of a request.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Spender {
    Address(IpAddr),
    Session(uuid::Uuid),
    ApiKey(uuid::Uuid),
}

impl Spender {
    /// The spender of `viewer`'s requests from `address`; `None`: not counted (no address known).
    pub fn of(viewer: &crate::auth::Viewer, address: Option<IpAddr>) -> Option<Spender> {
        use crate::auth::viewer::Actor;
        match &viewer.actor {
            Actor::Anonymous => address.map(Spender::Address),
            Actor::User { session_id, .. } => Some(Spender::Session(*session_id)),
            Actor::ApiKey { id, .. } => Some(Spender::ApiKey(*id)),
        }
    }

    fn anonymous(&self) -> bool {
        matches!(self, Spender::Address(_))
    }
}

type Limiter = RateLimiter<Spender, DefaultKeyedStateStore<Spender>, DefaultClock, StateInformationMiddleware>;

/// One budget: points per minute.
struct Budget {
    limiter: Limiter,
    per_minute: NonZeroU32,
}

impl Budget {
    fn new(per_minute: u32) -> Option<Budget> {
        let per_minute = NonZeroU32::new(per_minute)?;
        Some(Budget {
            limiter: RateLimiter::dashmap(Quota::per_minute(per_minute))
                .with_middleware::<StateInformationMiddleware>(),
            per_minute,
        })
    }

    /// Time to earn back `points`.
    fn refill(&self, points: u32) -> Duration {
        Duration::from_secs_f64(60.0 * f64::from(points) / f64::from(self.per_minute.get()))
    }
}

/// What a document refused before it runs costs its client address.
pub const REFUSAL_COST: u32 = 100;

/// Addresses tracked at the door before the expired ones are forgotten.
const DOOR_SIZE: usize = 10_000;

/// The budgets of one instance, shared by every request.
pub struct CostLimits {
    anonymous: Option<Budget>,
    authenticated: Option<Budget>,
    /// Addresses whose anonymous budget is spent, until when.
    spent_until: Mutex<HashMap<IpAddr, Instant>>,
}

/// What a request spent, for `extensions.cost`.
#[derive(Clone, Copy, Debug)]
pub(super) struct Spent {
    requested: u32,
    remaining: u32,
    reset_in: Duration,
}

impl CostLimits {
    /// Budgets of `anonymous` and `authenticated` points per minute (0: no limit).
    pub fn new(anonymous: u32, authenticated: u32) -> CostLimits {
        CostLimits {
            anonymous: Budget::new(anonymous),
            authenticated: Budget::new(authenticated),
            spent_until: Mutex::new(HashMap::new()),
        }
    }

    /// The seconds an anonymous request from `address` must wait before the hub reads it;
    /// `None` when it may come in.
    pub fn door(&self, address: Option<IpAddr>) -> Option<u64> {
        let address = address?;
        let spent = self
            .spent_until
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let until = *spent.get(&address)?;
        let wait = until.checked_duration_since(Instant::now())?;
        crate::metrics::rate_limited("query_cost");
        Some(wait.as_secs().max(1))
    }

    /// Charges a refused document to `address`.
    pub fn charge_refusal(&self, address: Option<IpAddr>) {
        if let Some(address) = address {
            // Over budget, the address is now kept at the door; the refusal is answered as is.
            let _ = self.spend_points(&Spender::Address(address), REFUSAL_COST);
        }
    }

    fn keep_at_door(&self, address: IpAddr, wait: Duration) {
        let mut spent = self
            .spent_until
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if spent.len() >= DOOR_SIZE {
            let now = Instant::now();
            spent.retain(|_, until| *until > now);
        }
        spent.insert(address, Instant::now() + wait);
    }

    fn budget(&self, spender: &Spender) -> Option<&Budget> {
        if spender.anonymous() {
            self.anonymous.as_ref()
        } else {
            self.authenticated.as_ref()
        }
    }

    /// Spends `cost` points of `spender`'s budget, or refuses with the wait.
    pub(super) fn spend(&self, spender: &Spender, cost: usize) -> Result<Option<Spent>, AppError> {
        self.spend_points(spender, u32::try_from(cost.max(1)).unwrap_or(u32::MAX))
    }

    fn spend_points(&self, spender: &Spender, requested: u32) -> Result<Option<Spent>, AppError> {
        let Some(budget) = self.budget(spender) else {
            return Ok(None);
        };
        // Forget buckets that are full again, so that the map follows the active clients.
        if budget.limiter.len() > 10_000 {
            budget.limiter.retain_recent();
            budget.limiter.shrink_to_fit();
        }
        let points = NonZeroU32::new(requested).unwrap_or(NonZeroU32::MIN);
        match budget.limiter.check_key_n(spender, points) {
            Ok(Ok(state)) => {
                let remaining = state.remaining_burst_capacity();
                Ok(Some(Spent {
                    requested,
                    remaining,
                    reset_in: budget.refill(budget.per_minute.get().saturating_sub(remaining)),
                }))
            }
            Ok(Err(not_until)) => {
                let wait = not_until.wait_time_from(DefaultClock::default().now());
                crate::metrics::rate_limited("query_cost");
                if let Spender::Address(address) = spender {
                    self.keep_at_door(*address, wait);
                }
                Err(AppError::RateLimited {
                    retry_after_secs: wait.as_secs().max(1),
                })
            }
            // Costlier than a whole minute's budget: never allowed.
            Err(_) => Err(AppError::QueryTooComplex(format!(
                "the operation costs {requested} points, more than the {} a minute allowed",
                budget.per_minute
            ))),
        }
    }
}

/// The async-graphql extension that spends the budget after validation.
pub struct CostExtension(pub Arc<CostLimits>);

impl ExtensionFactory for CostExtension {
    fn create(&self) -> Arc<dyn Extension> {
        Arc::new(PerRequest {
            limits: self.0.clone(),
            spent: Mutex::new(None),
        })
    }
}

struct PerRequest {
    limits: Arc<CostLimits>,
    spent: Mutex<Option<Spent>>,
}

#[async_trait::async_trait]
impl Extension for PerRequest {
    async fn validation(
        &self,
        ctx: &ExtensionContext<'_>,
        next: NextValidation<'_>,
    ) -> Result<ValidationResult, Vec<ServerError>> {
        let result = next.run(ctx).await?;
        let Some(spender) = ctx.data_opt::<Option<Spender>>().and_then(Option::as_ref) else {
            return Ok(result);
        };
        match self.limits.spend(spender, result.complexity) {
            Ok(spent) => {
                *self.spent.lock().unwrap_or_else(std::sync::PoisonError::into_inner) = spent;
                Ok(result)
            }
            Err(err) => Err(vec![super::exec::server_error(err)]),
        }
    }

    async fn request(&self, ctx: &ExtensionContext<'_>, next: NextRequest<'_>) -> Response {
        let mut response = next.run(ctx).await;
        let spent = *self.spent.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        if let Some(spent) = spent {
            report(&mut response, spent);
        }
        response
    }
}

/// Tells the client in `response`'s `extensions.cost` what the request spent and what is left.
pub(super) fn report(response: &mut Response, spent: Spent) {
    let reset_at = chrono::Utc::now() + spent.reset_in;
    let cost = Value::from_json(serde_json::json!({
        "requested": spent.requested,
        "remaining": spent.remaining,
        "resetAt": reset_at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
    }));
    if let Ok(cost) = cost {
        response.extensions.insert("cost".into(), cost);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_budget_is_spent_in_points_and_refused_with_a_wait() {
        let limits = CostLimits::new(100, 0);
        let anonymous = Spender::Address("192.0.2.1".parse().expect("an address"));
        let spent = limits.spend(&anonymous, 60).expect("within budget").expect("counted");
        assert_eq!((spent.requested, spent.remaining), (60, 40));
        let refused = limits.spend(&anonymous, 60).expect_err("over budget");
        assert_eq!(refused.code(), "RATE_LIMITED");
        // Another client has its own budget; signed-in callers have no limit here.
        let other = Spender::Address("192.0.2.2".parse().expect("an address"));
        assert!(limits.spend(&other, 60).is_ok());
        let session = Spender::Session(uuid::Uuid::nil());
        assert!(limits.spend(&session, 10_000).expect("no limit").is_none());
        assert_eq!(
            limits.spend(&other, 1_000).expect_err("never").code(),
            "QUERY_TOO_COMPLEX"
        );
    }

    #[test]
    fn refusals_spend_the_budget_of_their_address_until_it_is_kept_at_the_door() {
        let limits = CostLimits::new(1_000, 0);
        let hostile: IpAddr = "192.0.2.66".parse().expect("an address");
        assert_eq!(limits.door(Some(hostile)), None);
        for _ in 0..(1_000 / REFUSAL_COST) {
            limits.charge_refusal(Some(hostile));
        }
        assert_eq!(
            limits.door(Some(hostile)),
            None,
            "the budget is spent, not yet exceeded"
        );
        limits.charge_refusal(Some(hostile));
        let wait = limits.door(Some(hostile)).expect("kept at the door");
        assert!((1..=60).contains(&wait), "{wait}");
        // Others come in; without an address there is nothing to keep out.
        assert_eq!(limits.door(Some("192.0.2.7".parse().expect("an address"))), None);
        assert_eq!(limits.door(None), None);
    }
}
