// Actions already tried by the partners, by région, status and organisation.

import { h } from '../dom.js';
import { t, label, plural } from '../i18n.js';
import { gql } from '../api.js';
import * as router from '../router.js';
import * as session from '../session.js';
import * as organisations from '../organisations.js';
import { ACTION_STATUSES, REGIONS } from '../vocab.js';
import { actionCard, ACTION_FIELDS } from '../parts/cards.js';
import { announce } from '../ui/status.js';
import { filterBar, linkButton, pageHeader, pagedList } from '../ui/widgets.js';

const ACTIONS = `query ActionList($filter: ActionFilter, $after: String) {
  actions(filter: $filter, first: 20, after: $after) { nodes { ${ACTION_FIELDS} } pageInfo { hasNextPage endCursor } totalCount }
}`;

export async function render(ctx) {
  const { query } = ctx;
  const filter = {};
  if (query.get('region')) filter.region = query.get('region');
  if (query.get('status')) filter.status = query.get('status');
  if (query.get('organisation')) filter.organisationId = query.get('organisation');
  const filters = filterBar(
    [
      { name: 'region', label: t('field.region'), options: [{ value: '', label: t('filters.any_region') }, ...REGIONS.map((v) => ({ value: v, label: label('Region', v) }))] },
      { name: 'status', label: t('field.status'), options: [{ value: '', label: t('filters.any_status') }, ...ACTION_STATUSES.map((v) => ({ value: v, label: label('ActionStatus', v) }))] },
      { name: 'organisation', label: t('field.organisation'), options: await organisations.options(t('filters.any_organisation')) },
    ],
    query,
    { legend: t('actions.filters') },
  );
  let total = 0;
  const list = await pagedList({
    load: async (after) => {
      const data = await gql(ACTIONS, { filter, after });
      total = data.actions.totalCount;
      return { items: data.actions.nodes, pageInfo: data.actions.pageInfo, totalCount: total };
    },
    renderItem: (a) => actionCard(a, { headingLevel: 'h2' }),
    emptyText: t('actions.none'),
    countText: (shown, count) => plural('actions.count', count),
  });
  announce(plural('actions.count', total));
  const actions = session.isEditor() ? [linkButton(router.href('/actions/nouvelle'), t('actions.new'), true)] : [];
  return h('div', {}, pageHeader(t('actions.title'), actions, t('actions.intro')), filters, list);
}
