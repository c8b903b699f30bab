//! Rows read by position for the records every page reads: events and organisations.
//!
//! sea-orm's derived `FromQueryResult` finds each column by name (a hash lookup) and, for each
//! NULL, builds an error it then discards (`TryGetError::Null(format!("{idx:?}"))`, the name
//! formatted with `Debug`); a prefixed read (a joined table) also formats every column name.
//! In the profile of a page of 50 events with their organisers that was a third of all the
//! instructions of the request. These readers take the same columns by position, in the
//! entity's column order (`Iterable`, which `page::select` keeps), through sqlx directly.
//!
//! Hand-written for that reason: the model is built with a struct literal, so a field added
//! to the entity does not compile here until it is read.
//!
//! A page leaves out the columns its selection does not show, never-NULL ones included
//! (`page::Listed::omittable_columns`): they come back as NULL and are read here as a default
//! without being decoded (sqlx decodes a time in about 400 instructions, a JSON list by
//! parsing it, for every row of a page).

use chrono::{DateTime, Utc};
use sea_orm::{ActiveEnum, DbErr, QueryResult, sqlx};

/// The value at position `i` of `row`, from PostgreSQL or SQLite.
fn get<T>(row: &QueryResult, i: usize) -> Result<T, DbErr>
where
    T: for<'r> sqlx::Decode<'r, sqlx::Postgres>
        + sqlx::Type<sqlx::Postgres>
        + for<'r> sqlx::Decode<'r, sqlx::Sqlite>
        + sqlx::Type<sqlx::Sqlite>,
{
    use sqlx::Row;
    // Unchecked: sqlx's check compares the column's database type with every type `T`
    // accepts, for each cell (a sixth of a page's instructions in the profile). The columns
    // are the entity's, in its order, and the decoders still refuse bytes of the wrong size
    // or text that is not UTF-8, so a mismatch is an error, never a wrong value read as right.
    let read = if let Some(row) = row.try_as_pg_row() {
        row.try_get_unchecked::<T, _>(i)
    } else if let Some(row) = row.try_as_sqlite_row() {
        row.try_get_unchecked::<T, _>(i)
    } else {
        return Err(DbErr::Custom("rows are read from PostgreSQL or SQLite".into()));
    };
    read.map_err(|e| DbErr::Type(format!("column {i}: {e}")))
}

/// A nullable stored enum at position `i`.
fn stored_opt<E: ActiveEnum<Value = String>>(row: &QueryResult, i: usize) -> Result<Option<E>, DbErr> {
    get::<Option<String>>(row, i)?
        .map(|v| E::try_from_value(&v))
        .transpose()
}

/// A stored enum that is never NULL at position `i`; `left_out` when the read left it out (see
/// `page::Listed::omittable_columns`: no field shows it then).
fn omittable_stored<E: ActiveEnum<Value = String>>(row: &QueryResult, i: usize, left_out: E) -> Result<E, DbErr> {
    Ok(stored_opt(row, i)?.unwrap_or(left_out))
}

/// A value that is never NULL at position `i`; its default when the read left it out.
fn omittable<T>(row: &QueryResult, i: usize) -> Result<T, DbErr>
where
    T: Default
        + for<'r> sqlx::Decode<'r, sqlx::Postgres>
        + sqlx::Type<sqlx::Postgres>
        + for<'r> sqlx::Decode<'r, sqlx::Sqlite>
        + sqlx::Type<sqlx::Sqlite>,
{
    Ok(get::<Option<T>>(row, i)?.unwrap_or_default())
}

/// A JSON column at position `i`; its default when the read left it out (NULL: the column
/// itself is never NULL, see `page::Listed::omittable_columns`).
fn json<T: serde::de::DeserializeOwned + Default + 'static>(row: &QueryResult, i: usize) -> Result<T, DbErr> {
    Ok(get::<Option<sqlx::types::Json<T>>>(row, i)?
        .map(|j| j.0)
        .unwrap_or_default())
}

type Time = DateTime<Utc>;

/// An event from the columns at `at`, `at + 1`… in `entity::event::Column` order.
pub fn event(row: &QueryResult, at: usize) -> Result<entity::event::Model, DbErr> {
    Ok(entity::event::Model {
        id: get(row, at)?,
        title: get(row, at + 1)?,
        title_sort: omittable(row, at + 2)?,
        description: get(row, at + 3)?,
        location_name: get(row, at + 4)?,
        address: get(row, at + 5)?,
        postal_code: get(row, at + 6)?,
        city: get(row, at + 7)?,
        departement: get(row, at + 8)?,
        region: stored_opt(row, at + 9)?,
        latitude: get(row, at + 10)?,
        longitude: get(row, at + 11)?,
        starts_at: get::<Time>(row, at + 12)?,
        ends_at: get::<Option<Time>>(row, at + 13)?,
        all_day: omittable(row, at + 14)?,
        timezone: omittable(row, at + 15)?,
        open_to_public: omittable(row, at + 16)?,
        url: get(row, at + 17)?,
        author: get(row, at + 18)?,
        organiser_id: get(row, at + 19)?,
        organiser_name: get(row, at + 20)?,
        audiences: json(row, at + 21)?,
        tags: json(row, at + 22)?,
        status: omittable_stored(row, at + 23, entity::EventStatus::Scheduled)?,
        visibility: omittable_stored(row, at + 24, entity::Visibility::Organisation)?,
        feed_id: get(row, at + 25)?,
        source_uid: get(row, at + 26)?,
        source_url: get(row, at + 27)?,
        last_seen_at: get::<Option<Time>>(row, at + 28)?,
        created_at: omittable(row, at + 29)?,
        updated_at: omittable(row, at + 30)?,
    })
}

/// An organisation from the columns at `at`, `at + 1`… in `entity::organisation::Column` order.
pub fn organisation(row: &QueryResult, at: usize) -> Result<entity::organisation::Model, DbErr> {
    Ok(entity::organisation::Model {
        id: get(row, at)?,
        slug: omittable(row, at + 1)?,
        name: get(row, at + 2)?,
        name_sort: omittable(row, at + 3)?,
        name_key: omittable(row, at + 4)?,
        kind: omittable_stored(row, at + 5, entity::OrganisationKind::Other)?,
        region: stored_opt(row, at + 6)?,
        departement: get(row, at + 7)?,
        postal_code: get(row, at + 8)?,
        city: get(row, at + 9)?,
        website: get(row, at + 10)?,
        description: get(row, at + 11)?,
        created_at: omittable(row, at + 12)?,
        updated_at: omittable(row, at + 13)?,
    })
}

#[cfg(test)]
mod tests {
    use sea_orm::{IdenStatic, Iterable};

    /// The readers follow the entities' column order.
    #[test]
    fn the_readers_follow_the_column_order() {
        let events: Vec<&str> = entity::event::Column::iter().map(|c| c.as_str()).collect();
        assert_eq!(events.len(), 31);
        assert_eq!(
            (
                events[0], events[2], events[9], events[12], events[21], events[24], events[30]
            ),
            (
                "id",
                "title_sort",
                "region",
                "starts_at",
                "audiences",
                "visibility",
                "updated_at"
            )
        );
        let organisations: Vec<&str> = entity::organisation::Column::iter().map(|c| c.as_str()).collect();
        assert_eq!(organisations.len(), 14);
        assert_eq!(
            (
                organisations[3],
                organisations[4],
                organisations[5],
                organisations[8],
                organisations[11],
                organisations[13]
            ),
            (
                "name_sort",
                "name_key",
                "kind",
                "postal_code",
                "description",
                "updated_at"
            )
        );
    }
}
