//! Objects answered without a future for each field that has nothing to wait for.
//!
//! async-graphql resolves each field of an object as a boxed future and joins them
//! (`resolver_utils::resolve_container`), and each item of a list as a future joined with the
//! others (over 30 items, through `FuturesOrdered`, an allocation each). For the fields of a
//! page's rows (an event's title, its start, its place, a joined organiser's name) nothing is
//! awaited: the profile of 50 events showed that machinery at about a third of the request.
//! [`Fast`] and [`Many`] answer those fields by polling the type's own derived resolver once,
//! on the stack, and leave the others (a loader, a nested page) to async-graphql's own path, so
//! each field still runs the one resolver the schema derives from. No crate does this:
//! async-graphql has no synchronous path, so it is written here, on its `#[doc(hidden)]`
//! context helpers (`with_field`, `with_index`, `with_selection_set`), pinned with the crate.
//!
//! A selection with a fragment or a directive left after `@skip`/`@include` goes to
//! async-graphql's own path whole. None of the hub's extensions has a field hook (they act on
//! the request, its validation and its execution), so answering a field without one changes
//! nothing a field's resolver or an extension sees.

use std::borrow::Cow;

use async_graphql::indexmap::{IndexMap, map::Entry};
use async_graphql::parser::types::{Field, Selection};
use async_graphql::registry::Registry;
use async_graphql::resolver_utils::{ContainerType, resolve_container};
use async_graphql::{Context, ContextSelectionSet, Name, OutputType, Positioned, ServerResult, Value};
use futures_util::FutureExt;

/// An object type whose resolvers of some fields never wait.
pub trait Plain: ContainerType + Send + Sync {
    /// Whether the field `ctx` names resolves without waiting (its resolver awaits nothing,
    /// here); a field answered `false` takes async-graphql's path.
    fn ready(&self, ctx: &Context<'_>) -> bool;
}

/// `T` in the schema, resolved by [`resolve`].
#[derive(Clone)]
pub struct Fast<T>(pub T);

impl<T: Plain> OutputType for Fast<T> {
    fn type_name() -> Cow<'static, str> {
        T::type_name()
    }

    fn qualified_type_name() -> String {
        T::qualified_type_name()
    }

    fn introspection_type_name(&self) -> Cow<'static, str> {
        self.0.introspection_type_name()
    }

    fn create_type_info(registry: &mut Registry) -> String {
        T::create_type_info(registry)
    }

    async fn resolve(&self, ctx: &ContextSelectionSet<'_>, _field: &Positioned<Field>) -> ServerResult<Value> {
        resolve(ctx, &self.0).await
    }
}

/// `[T!]!` in the schema: each item answered at once when all its fields are ready, the others
/// once their fields that wait are resolved.
pub struct Many<T>(pub Vec<T>);

impl<T: Plain> OutputType for Many<T> {
    fn type_name() -> Cow<'static, str> {
        <Vec<T> as OutputType>::type_name()
    }

    fn qualified_type_name() -> String {
        <Vec<T> as OutputType>::qualified_type_name()
    }

    fn create_type_info(registry: &mut Registry) -> String {
        <Vec<T> as OutputType>::create_type_info(registry)
    }

    async fn resolve(&self, ctx: &ContextSelectionSet<'_>, _field: &Positioned<Field>) -> ServerResult<Value> {
        let mut values = Vec::with_capacity(self.0.len());
        let mut waiting = Vec::new();
        for (idx, item) in self.0.iter().enumerate() {
            let ctx_idx = ctx.with_index(idx);
            let split = match split(&ctx_idx, item) {
                None => None,
                Some(Err(err)) => return Err(ctx_idx.set_error_path(err)),
                Some(Ok(split)) if split.waiting.is_empty() => {
                    values.push(object(split.answered));
                    continue;
                }
                Some(Ok(split)) => Some(split),
            };
            values.push(Value::Null);
            waiting.push(async move {
                let ctx_idx = ctx.with_index(idx);
                let value = match split {
                    Some(split) => finish(&ctx_idx, item, split).await,
                    None => resolve_container(&ctx_idx, item).await,
                };
                value
                    .map(|value| (idx, value))
                    .map_err(|err| ctx_idx.set_error_path(err))
            });
        }
        for (idx, value) in futures_util::future::try_join_all(waiting).await? {
            values[idx] = value;
        }
        Ok(Value::List(values))
    }
}

/// The fields of `ctx`'s selection on `root`, the ready ones answered on the spot.
pub async fn resolve<'a, T: Plain>(ctx: &ContextSelectionSet<'a>, root: &'a T) -> ServerResult<Value> {
    match split(ctx, root) {
        Some(split) => finish(ctx, root, split?).await,
        None => resolve_container(ctx, root).await,
    }
}

/// A selection's fields answered now, in order (those that must wait hold `Null` for now),
/// and the slots and fields that must wait.
struct Split<'a> {
    answered: Vec<(Name, Value)>,
    waiting: Vec<(usize, &'a Positioned<Field>)>,
}

/// The ready fields of `ctx`'s selection on `root` answered, the others set aside; `None` when
/// the selection has a fragment or a directive.
fn split<'a, T: Plain>(ctx: &ContextSelectionSet<'a>, root: &T) -> Option<ServerResult<Split<'a>>> {
    let fields = plain_fields(ctx)?;
    let mut split = Split {
        answered: Vec::with_capacity(fields.len()),
        waiting: Vec::new(),
    };
    for (slot, field) in fields.into_iter().enumerate() {
        let key = field.node.response_key().node.clone();
        match answer(root, &ctx.with_field(field)) {
            Some(Ok(value)) => split.answered.push((key, value)),
            Some(Err(err)) => return Some(Err(err)),
            None => {
                split.answered.push((key, Value::Null));
                split.waiting.push((slot, field));
            }
        }
    }
    Some(Ok(split))
}

/// `split`'s object, once the fields that wait are resolved on async-graphql's path.
async fn finish<'a, T: Plain>(ctx: &ContextSelectionSet<'a>, root: &'a T, split: Split<'a>) -> ServerResult<Value> {
    let Split { mut answered, waiting } = split;
    let mut futures = Vec::with_capacity(waiting.len());
    for (slot, field) in waiting {
        let ctx = ctx.clone();
        futures.push(async move {
            let ctx_field = ctx.with_field(field);
            let value = root.resolve_field(&ctx_field).await?.unwrap_or_default();
            Ok::<_, async_graphql::ServerError>((slot, value))
        });
    }
    for (slot, value) in futures_util::future::try_join_all(futures).await? {
        answered[slot].1 = value;
    }
    Ok(object(answered))
}

/// The fields of a selection set, or `None` when it has a fragment or a directive.
fn plain_fields<'a>(ctx: &ContextSelectionSet<'a>) -> Option<Vec<&'a Positioned<Field>>> {
    ctx.item
        .node
        .items
        .iter()
        .map(|selection| match &selection.node {
            Selection::Field(field) if field.node.directives.is_empty() => Some(field),
            _ => None,
        })
        .collect()
}

/// A ready field's value, through the type's own resolver polled once; `None` when it is not
/// ready (or, against its word, did not finish at the first poll: it is then dropped, having
/// awaited nothing, and resolved again on async-graphql's path).
fn answer<T: Plain>(root: &T, ctx: &Context<'_>) -> Option<ServerResult<Value>> {
    if ctx.item.node.name.node == "__typename" {
        return Some(Ok(Value::String(root.introspection_type_name().into_owned())));
    }
    if !root.ready(ctx) {
        return None;
    }
    Some(root.resolve_field(ctx).now_or_never()?.map(Option::unwrap_or_default))
}

/// An object of answered fields, a repeated key merged as async-graphql merges it.
fn object(answered: Vec<(Name, Value)>) -> Value {
    let mut map = IndexMap::with_capacity(answered.len());
    for (name, value) in answered {
        merge(&mut map, name, value);
    }
    Value::Object(map)
}

/// async-graphql's `insert_value` (private to its container resolver): the second answer of
/// a key merges its object (and its list's objects) into the first.
fn merge(target: &mut IndexMap<Name, Value>, name: Name, value: Value) {
    // One hash of the key per field: the entry, not a lookup then an insert.
    let first = match target.entry(name) {
        Entry::Vacant(vacant) => {
            vacant.insert(value);
            return;
        }
        Entry::Occupied(occupied) => occupied.into_mut(),
    };
    match first {
        Value::Object(first) => {
            if let Value::Object(second) = value {
                for (key, value) in second {
                    merge(first, key, value);
                }
            }
        }
        Value::List(first) => {
            if let Value::List(second) = value {
                for (idx, value) in second.into_iter().enumerate() {
                    if let (Some(Value::Object(first)), Value::Object(second)) = (first.get_mut(idx), value) {
                        for (key, value) in second {
                            merge(first, key, value);
                        }
                    }
                }
            }
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn obj(pairs: &[(&str, Value)]) -> Value {
        Value::Object(pairs.iter().map(|(k, v)| (Name::new(k), v.clone())).collect())
    }

    #[test]
    fn a_repeated_key_merges_its_objects_and_keeps_the_first_scalar() {
        let answered = vec![
            (Name::new("id"), Value::from("1")),
            (Name::new("location"), obj(&[("city", Value::from("Lille"))])),
            (Name::new("id"), Value::from("2")),
            (Name::new("location"), obj(&[("name", Value::from("Forum"))])),
            (
                Name::new("nodes"),
                Value::List(vec![obj(&[("a", Value::from(1))]), obj(&[("a", Value::from(2))])]),
            ),
            (
                Name::new("nodes"),
                Value::List(vec![obj(&[("b", Value::from(3))]), obj(&[("b", Value::from(4))])]),
            ),
        ];
        let merged = object(answered);
        assert_eq!(
            merged,
            obj(&[
                ("id", Value::from("1")),
                (
                    "location",
                    obj(&[("city", Value::from("Lille")), ("name", Value::from("Forum"))])
                ),
                (
                    "nodes",
                    Value::List(vec![
                        obj(&[("a", Value::from(1)), ("b", Value::from(3))]),
                        obj(&[("a", Value::from(2)), ("b", Value::from(4))]),
                    ])
                ),
            ])
        );
    }
}
