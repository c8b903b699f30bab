// One search box across everything: typos and accents forgiven by the hub, the facets as
// filters beside the results, the matched words highlighted, each result opening its record.

import { append, h, markedText } from '../dom.js';
import { t, label, plural } from '../i18n.js';
import { gql } from '../api.js';
import * as router from '../router.js';
import * as organisations from '../organisations.js';
import { eventWhen } from '../format.js';
import { RESOURCE_KINDS, ORGANISATION_KINDS } from '../vocab.js';
import { badge, pageHeader, pagedList } from '../ui/widgets.js';
import { announce } from '../ui/status.js';

const SEARCH = `query Search($q: String!, $types: [SearchType!], $filter: SearchFilter, $after: String) {
  search(query: $q, types: $types, filter: $filter, first: 20, after: $after, facets: [TYPE, KIND, REGION, AUDIENCE, ORGANISATION]) {
    edges { highlights { field snippet } node { __typename
      ... on Event { id title startsAt endsAt allDay timezone location { city } }
      ... on Resource { id title kind freeOfRights }
      ... on Organisation { id slug name kind }
      ... on Contact { id firstName lastName jobTitle organisation { name } }
      ... on Action { id title status }
    } }
    pageInfo { hasNextPage endCursor }
    estimatedTotal
    facets { facet values { value count } }
    degraded
  }
}`;

/** The query parameter of each facet, and how its values read. */
const FACETS = [
  { facet: 'TYPE', param: 'type', title: 'search.facet.type', labelOf: (v) => label('SearchType', v) },
  { facet: 'KIND', param: 'kind', title: 'search.facet.kind', labelOf: (v) => (RESOURCE_KINDS.includes(v) ? label('ResourceKind', v) : label('OrganisationKind', v)) },
  { facet: 'REGION', param: 'region', title: 'search.facet.region', labelOf: (v) => label('Region', v) },
  { facet: 'AUDIENCE', param: 'audience', title: 'search.facet.audience', labelOf: (v) => label('Audience', v) },
  { facet: 'ORGANISATION', param: 'organisation', title: 'search.facet.organisation', labelOf: null },
];

const list = (query, param) => (query.get(param) || '').split(',').filter(Boolean);

function variables(q, query) {
  const filter = {};
  const regions = list(query, 'region');
  const audiences = list(query, 'audience');
  const organisationIds = list(query, 'organisation');
  const kinds = list(query, 'kind');
  if (regions.length) filter.regions = regions;
  if (audiences.length) filter.audiences = audiences;
  if (organisationIds.length) filter.organisationIds = organisationIds;
  const resourceKinds = kinds.filter((k) => RESOURCE_KINDS.includes(k));
  const organisationKinds = kinds.filter((k) => ORGANISATION_KINDS.includes(k) && !RESOURCE_KINDS.includes(k));
  if (resourceKinds.length) filter.resourceKinds = resourceKinds;
  if (organisationKinds.length) filter.organisationKinds = organisationKinds;
  const types = list(query, 'type');
  return { q, types: types.length ? types : null, filter };
}

export async function render(ctx) {
  const q = (ctx.query.get('q') || '').trim();
  const input = h('input', { type: 'search', id: 'search-query', name: 'q', value: q, autocomplete: 'off', 'aria-describedby': 'search-hint' });
  const box = h(
    'form',
    { class: 'search-box', role: 'search', onsubmit: (e) => { e.preventDefault(); router.go('/recherche', { ...Object.fromEntries(ctx.query), q: input.value.trim(), after: null }); } },
    h('label', { for: 'search-query' }, t('search.label')),
    h('p', { class: 'hint', id: 'search-hint' }, t('search.hint')),
    h('div', { class: 'search-row' }, input, h('button', { type: 'submit', class: 'button button-primary', id: 'search-submit' }, t('search.submit'))),
  );
  const page = h('div', { class: 'search-page' }, pageHeader(t('search.title')), box);
  if (!q) {
    page.append(h('p', { class: 'empty' }, t('search.prompt')));
    return page;
  }

  const vars = variables(q, ctx.query);
  const names = new Map((await organisations.all()).map((o) => [o.id, o.name]));
  let first = null;
  const results = await pagedList({
    tag: 'ol',
    className: 'results',
    load: async (after) => {
      const data = await gql(SEARCH, { ...vars, after });
      first ??= data.search;
      return { items: data.search.edges, pageInfo: data.search.pageInfo, totalCount: data.search.estimatedTotal };
    },
    renderItem: (edge) => result(edge),
    emptyText: t('search.none', { q }),
    countText: (shown, total) => plural('search.count', total),
  });
  announce(plural('search.count', first.estimatedTotal));

  // On a phone the facets fold away above the results; on a desktop they stand beside them.
  const wide = window.matchMedia('(min-width: 48rem)').matches;
  const chosen = FACETS.some((f) => ctx.query.get(f.param));
  const facets = h(
    'details',
    { class: 'facets', open: wide || chosen },
    h('summary', {}, h('h2', { class: 'facets-title' }, t('search.refine'))),
    FACETS.map((f) => facetGroup(f, first.facets, ctx.query, names)),
  );
  append(page, [
    first.degraded ? h('p', { class: 'notice' }, t('search.degraded')) : null,
    h('div', { class: 'with-sidebar' }, h('aside', { 'aria-label': t('search.refine') }, facets), h('section', { 'aria-label': t('search.results') }, results)),
  ]);
  return page;
}

function facetGroup(f, counts, query, names) {
  const values = counts.find((c) => c.facet === f.facet)?.values ?? [];
  const chosen = list(query, f.param);
  // A chosen value stays on the list (to be unticked) even when the narrowed results lack it.
  const shown = [...values];
  for (const value of chosen) if (!shown.some((v) => v.value === value)) shown.push({ value, count: 0 });
  if (!shown.length) return null;
  const labelOf = f.labelOf || ((v) => names.get(v) || v);
  return h(
    'fieldset',
    { class: 'facet' },
    h('legend', {}, t(f.title)),
    h(
      'ul',
      {},
      shown.slice(0, 12).map((v) => {
        const id = `facet-${f.param}-${v.value}`;
        return h(
          'li',
          {},
          h('input', {
            type: 'checkbox',
            id,
            checked: chosen.includes(v.value),
            onchange: (e) => {
              const next = e.target.checked ? [...chosen, v.value] : chosen.filter((c) => c !== v.value);
              router.update({ [f.param]: next.join(',') || null });
            },
          }),
          h('label', { for: id }, labelOf(v.value), ' ', h('span', { class: 'count' }, `(${v.count})`)),
        );
      }),
    ),
  );
}

function highlighted(edge, field) {
  return edge.highlights.find((hl) => hl.field === field)?.snippet ?? null;
}

function result(edge) {
  const node = edge.node;
  let title;
  let target;
  let meta = [];
  switch (node.__typename) {
    case 'Event':
      title = node.title;
      target = `/evenements/${node.id}`;
      meta = [eventWhen(node), node.location?.city];
      break;
    case 'Resource':
      title = node.title;
      target = `/ressources/${node.id}`;
      meta = [label('ResourceKind', node.kind), node.freeOfRights ? t('resource.free') : null];
      break;
    case 'Organisation':
      title = node.name;
      target = `/organisations/${node.slug}`;
      meta = [label('OrganisationKind', node.kind)];
      break;
    case 'Contact':
      title = `${node.firstName} ${node.lastName}`;
      target = `/contacts/${node.id}`;
      meta = [node.jobTitle, node.organisation?.name];
      break;
    default:
      title = node.title;
      target = `/actions/${node.id}`;
      meta = [label('ActionStatus', node.status)];
  }
  const titleSnippet = highlighted(edge, 'title');
  const others = edge.highlights.filter((hl) => hl.field !== 'title');
  return h(
    'li',
    { class: 'result' },
    h('p', { class: 'result-type' }, badge(label('SearchType', node.__typename.toUpperCase()), 'kind')),
    h('h3', { class: 'result-title' }, h('a', { href: router.href(target) }, titleSnippet ? markedText(titleSnippet) : title)),
    h('p', { class: 'result-meta' }, meta.filter(Boolean).join(' · ')),
    others.map((hl) => h('p', { class: 'result-snippet' }, h('span', { class: 'visually-hidden' }, `${t(`search.field.${hl.field}`)} : `), markedText(hl.snippet))),
  );
}
