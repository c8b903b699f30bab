// The partner organisations, by kind and région.

import { h } from '../dom.js';
import { t, label, plural } from '../i18n.js';
import { gql } from '../api.js';
import * as router from '../router.js';
import * as session from '../session.js';
import { ORGANISATION_KINDS, REGIONS } from '../vocab.js';
import { organisationCard, ORGANISATION_FIELDS } from '../parts/cards.js';
import { announce } from '../ui/status.js';
import { filterBar, linkButton, pageHeader, pagedList } from '../ui/widgets.js';

const ORGANISATIONS = `query OrganisationList($filter: OrganisationFilter, $after: String) {
  organisations(filter: $filter, first: 30, after: $after) { nodes { ${ORGANISATION_FIELDS} } pageInfo { hasNextPage endCursor } totalCount }
}`;

export async function render(ctx) {
  const { query } = ctx;
  const filter = {};
  if (query.get('kind')) filter.kind = query.get('kind');
  if (query.get('region')) filter.region = query.get('region');
  const filters = filterBar(
    [
      { name: 'kind', label: t('field.kind'), options: [{ value: '', label: t('filters.any_kind') }, ...ORGANISATION_KINDS.map((v) => ({ value: v, label: label('OrganisationKind', v) }))] },
      { name: 'region', label: t('field.region'), options: [{ value: '', label: t('filters.any_region') }, ...REGIONS.map((v) => ({ value: v, label: label('Region', v) }))] },
    ],
    query,
    { legend: t('organisations.filters') },
  );
  let total = 0;
  const list = await pagedList({
    load: async (after) => {
      const data = await gql(ORGANISATIONS, { filter, after });
      total = data.organisations.totalCount;
      return { items: data.organisations.nodes, pageInfo: data.organisations.pageInfo, totalCount: total };
    },
    renderItem: (o) => organisationCard(o, { headingLevel: 'h2' }),
    emptyText: t('organisations.none'),
    countText: (shown, count) => plural('organisations.count', count),
  });
  announce(plural('organisations.count', total));
  const actions = session.isAdmin() ? [linkButton(router.href('/organisations/nouvelle'), t('organisations.new'), true)] : [];
  return h('div', {}, pageHeader(t('organisations.title'), actions, t('organisations.intro')), filters, list);
}
