// Every organisation's id, slug and name, read once per visit: the filters' choices and the
// names behind the search's organisation facet.

import { gql } from './api.js';

let cached = null;

const PAGE = 'query Organisations($after: String) { organisations(first: 100, after: $after) { nodes { id slug name } pageInfo { hasNextPage endCursor } } }';

/** All organisations, by name (at most 2,000). */
export async function all() {
  if (cached) return cached;
  const list = [];
  let after = null;
  for (let page = 0; page < 20; page += 1) {
    const data = await gql(PAGE, { after });
    list.push(...data.organisations.nodes);
    if (!data.organisations.pageInfo.hasNextPage) break;
    after = data.organisations.pageInfo.endCursor;
  }
  cached = list;
  return list;
}

/** Forgets the list (after an organisation was created or renamed). */
export function invalidate() {
  cached = null;
}

/** `[{ value: id, label: name }]`, after an « any » choice when `any` is given. */
export async function options(any = null) {
  const list = (await all()).map((o) => ({ value: o.id, label: o.name }));
  return any === null ? list : [{ value: '', label: any }, ...list];
}
