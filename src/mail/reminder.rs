//! The reminder that a borrowed kit is due back: from two days before a loan's `until` (Paris
//! days), the borrower is told which copy goes back, to whom and where.
//!
//! Each pass of the mail sender queues the reminders that fell due. A reminder is queued under
//! a key made of the loan and its `until` (`store::mail::enqueue_once`), so that whatever the
//! number of instances and passes a loan is reminded once per return day, and again only if
//! its `until` moves. It goes to the borrowing contact's e-mail, else to the member who asked
//! for the loan; a loan with neither is not reminded. It expires at the end of its return day,
//! and a loan returned (or moved) before the message leaves is not reminded at all: the sender
//! reads the loan again (`prepare`).

use chrono::{DateTime, Duration, NaiveDate, Utc};
use entity::{KitLoanStatus, Locale, MailKind, kit_loan};
use sea_orm::ConnectionTrait;

use super::compose::{self, HUB_ZONE, KitLoanReminderParams};
use crate::domain::Scope;
use crate::error::{AppError, AppResult};
use crate::store::{self, mail::NewMail};

/// How many days before a loan's `until` its borrower is reminded.
pub const DAYS_BEFORE: i64 = 2;

/// The key a loan's reminder is queued under: once per loan and return day.
pub fn key(loan: &kit_loan::Model) -> String {
    format!("kit-loan-reminder:{}:{}", loan.id.simple(), loan.ends_on)
}

/// The day it is in Paris at `now`.
pub fn hub_day(now: DateTime<Utc>) -> NaiveDate {
    now.with_timezone(&HUB_ZONE).date_naive()
}

/// The first instant after `day` in Paris: when a reminder for that return day is pointless.
fn end_of(day: NaiveDate) -> DateTime<Utc> {
    let next = day + Duration::days(1);
    next.and_hms_opt(0, 0, 0)
        .and_then(|midnight| midnight.and_local_timezone(HUB_ZONE).earliest())
        .map(|local| local.with_timezone(&Utc))
        .unwrap_or_else(|| next.and_hms_opt(0, 0, 0).unwrap_or_default().and_utc())
}

/// Whom a reminder goes to: an address, the name it greets, the account (if it goes to one)
/// and its language.
struct Recipient {
    email: String,
    name: String,
    user_id: Option<uuid::Uuid>,
    locale: Locale,
}

async fn recipient(db: &impl ConnectionTrait, loan: &kit_loan::Model) -> AppResult<Option<Recipient>> {
    if let Some(contact_id) = loan.borrower_contact_id
        && let Some(contact) = store::page::by_ids::<entity::contact::Entity>(db, &[contact_id], Scope::All)
            .await?
            .remove(&contact_id)
        && let Some(email) = contact
            .email
            .filter(|e| super::queue::check_address("email", e).is_ok())
    {
        let name = format!("{} {}", contact.first_name, contact.last_name)
            .trim()
            .to_string();
        return Ok(Some(Recipient {
            email,
            name,
            user_id: None,
            locale: Locale::Fr,
        }));
    }
    if let Some(user_id) = loan.requested_by_user_id
        && let Some(user) = store::users::by_id(db, user_id).await?
        && !user.disabled
    {
        return Ok(Some(Recipient {
            email: user.email,
            name: user.display_name,
            user_id: Some(user.id),
            locale: user.locale,
        }));
    }
    Ok(None)
}

/// What the reminder of `loan` says, read now.
async fn params(db: &impl ConnectionTrait, loan: &kit_loan::Model, name: String) -> AppResult<KitLoanReminderParams> {
    let kit = store::kits::by_id(db, loan.kit_id)
        .await?
        .ok_or_else(|| AppError::internal(anyhow::anyhow!("kit {} of loan {} is gone", loan.kit_id, loan.id)))?;
    let title = store::page::by_ids::<entity::resource::Entity>(db, &[kit.resource_id], Scope::All)
        .await?
        .remove(&kit.resource_id)
        .map_or_else(|| kit.inventory_code.clone(), |r| r.title);
    let names =
        store::digests::organisation_names(db, &[loan.lender_organisation_id, loan.borrower_organisation_id]).await?;
    let name_of = |id| names.get(&id).cloned().unwrap_or_default();
    Ok(KitLoanReminderParams {
        loan_id: loan.id,
        display_name: name,
        kit_title: title,
        inventory_code: kit.inventory_code,
        lender: name_of(loan.lender_organisation_id),
        borrower: name_of(loan.borrower_organisation_id),
        until: loan.ends_on,
        kept_at: kit.location,
    })
}

/// Queues the reminders due at `now`: loans out whose `until` is within `DAYS_BEFORE` days
/// (today included) and not yet reminded for that day. Returns how many were queued.
pub async fn queue_due(db: &impl ConnectionTrait, now: DateTime<Utc>) -> AppResult<u64> {
    let today = hub_day(now);
    let loans = store::kit_loans::due_back(db, today, today + Duration::days(DAYS_BEFORE)).await?;
    let keys: Vec<String> = loans.iter().map(key).collect();
    let queued = store::mail::queued_keys(db, &keys).await?;
    let mut count = 0;
    for (loan, key) in loans.iter().zip(keys) {
        if queued.contains(&key) {
            continue;
        }
        let Some(to) = recipient(db, loan).await? else {
            tracing::info!(loan = %loan.id, "a kit loan due back has no address to remind");
            continue;
        };
        let params = params(db, loan, to.name).await?;
        let subject = compose::kit_loan_reminder_subject(to.locale, &params);
        let inserted = store::mail::enqueue_once(
            db,
            NewMail {
                kind: MailKind::KitLoanReminder,
                recipient: to.email,
                user_id: to.user_id,
                locale: to.locale,
                subject,
                params: serde_json::to_value(&params).map_err(AppError::internal)?,
                secret: None,
                dedupe_key: Some(key),
                expires_at: Some(end_of(loan.ends_on)),
                cancelled: None,
            },
        )
        .await?;
        if inserted {
            count += 1;
        }
    }
    Ok(count)
}

/// Whether the reminder queued with `params` still has something to say: its loan is still
/// out and due back that day.
pub async fn still_due(db: &impl ConnectionTrait, params: &KitLoanReminderParams) -> AppResult<bool> {
    Ok(store::kit_loans::by_id(db, params.loan_id)
        .await?
        .is_some_and(|loan| loan.status == KitLoanStatus::Out && loan.ends_on == params.until))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_return_day_ends_at_midnight_in_paris_summer_and_winter() {
        let winter = NaiveDate::from_ymd_opt(2027, 1, 15).expect("a date");
        assert_eq!(end_of(winter).to_rfc3339(), "2027-01-15T23:00:00+00:00");
        let summer = NaiveDate::from_ymd_opt(2027, 6, 15).expect("a date");
        assert_eq!(end_of(summer).to_rfc3339(), "2027-06-15T22:00:00+00:00");
    }

    #[test]
    fn the_day_is_the_paris_day() {
        let late = "2027-01-15T23:30:00Z".parse().expect("an instant");
        assert_eq!(hub_day(late), NaiveDate::from_ymd_opt(2027, 1, 16).expect("a date"));
    }
}
