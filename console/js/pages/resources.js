// The resource library: teaching kits, videos, posters, guides…, by kind, audience and
// freedom of rights.

import { h } from '../dom.js';
import { t, label, plural } from '../i18n.js';
import { gql } from '../api.js';
import * as router from '../router.js';
import * as session from '../session.js';
import * as organisations from '../organisations.js';
import { AUDIENCES, RESOURCE_KINDS } from '../vocab.js';
import { resourceCard, RESOURCE_FIELDS } from '../parts/cards.js';
import { announce } from '../ui/status.js';
import { filterBar, linkButton, pageHeader, pagedList } from '../ui/widgets.js';

const RESOURCES = `query Resources($filter: ResourceFilter, $after: String) {
  resources(filter: $filter, first: 20, after: $after, orderBy: TITLE_ASC) { nodes { ${RESOURCE_FIELDS} } pageInfo { hasNextPage endCursor } totalCount }
}`;

export async function render(ctx) {
  const { query } = ctx;
  const filter = {};
  if (query.get('kind')) filter.kind = query.get('kind');
  if (query.get('audience')) filter.audience = query.get('audience');
  if (query.get('organisation')) filter.organisationId = query.get('organisation');
  if (query.get('libre') === '1') filter.freeOfRights = true;
  const filters = filterBar(
    [
      { name: 'kind', label: t('field.kind'), options: [{ value: '', label: t('filters.any_kind') }, ...RESOURCE_KINDS.map((v) => ({ value: v, label: label('ResourceKind', v) }))] },
      { name: 'audience', label: t('field.audience'), options: [{ value: '', label: t('filters.any_audience') }, ...AUDIENCES.map((v) => ({ value: v, label: label('Audience', v) }))] },
      { name: 'organisation', label: t('field.organisation'), options: await organisations.options(t('filters.any_organisation')) },
      { name: 'libre', label: t('resources.free_only'), checkbox: true },
    ],
    query,
    { legend: t('resources.filters') },
  );
  let total = 0;
  const list = await pagedList({
    load: async (after) => {
      const data = await gql(RESOURCES, { filter, after });
      total = data.resources.totalCount;
      return { items: data.resources.nodes, pageInfo: data.resources.pageInfo, totalCount: total };
    },
    renderItem: (r) => resourceCard(r, { headingLevel: 'h2' }),
    emptyText: t('resources.none'),
    countText: (shown, count) => plural('resources.count', count),
  });
  announce(plural('resources.count', total));
  const actions = session.isEditor() ? [linkButton(router.href('/ressources/nouvelle'), t('resources.new'), true)] : [];
  return h('div', {}, pageHeader(t('resources.title'), actions, t('resources.intro')), filters, list);
}
