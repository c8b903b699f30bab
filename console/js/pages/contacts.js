// The pooled address book (signed-in accounts): contacts by organisation, région and
// audience, exported as vCard or CSV with the same filters.

import { h } from '../dom.js';
import { t, label, plural } from '../i18n.js';
import { gql } from '../api.js';
import * as router from '../router.js';
import * as session from '../session.js';
import * as organisations from '../organisations.js';
import { AUDIENCES, REGIONS } from '../vocab.js';
import { download, exportUrl } from '../download.js';
import { contactCard, CONTACT_FIELDS } from '../parts/contact.js';
import { failure } from '../ui/panels.js';
import { announce } from '../ui/status.js';
import { filterBar, linkButton, pageHeader, pagedList } from '../ui/widgets.js';

const CONTACTS = `query Contacts($filter: ContactFilter, $after: String) {
  contacts(filter: $filter, first: 30, after: $after) { nodes { ${CONTACT_FIELDS} } pageInfo { hasNextPage endCursor } totalCount }
}`;

export async function render(ctx) {
  const { query } = ctx;
  const filter = {};
  if (query.get('organisation')) filter.organisationId = query.get('organisation');
  if (query.get('region')) filter.region = query.get('region');
  if (query.get('audience')) filter.audience = query.get('audience');
  const filters = filterBar(
    [
      { name: 'organisation', label: t('field.organisation'), options: await organisations.options(t('filters.any_organisation')) },
      { name: 'region', label: t('field.region'), options: [{ value: '', label: t('filters.any_region') }, ...REGIONS.map((v) => ({ value: v, label: label('Region', v) }))] },
      { name: 'audience', label: t('field.audience'), options: [{ value: '', label: t('filters.any_audience') }, ...AUDIENCES.map((v) => ({ value: v, label: label('Audience', v) }))] },
    ],
    query,
    { legend: t('contacts.filters') },
  );
  let total = 0;
  const list = await pagedList({
    load: async (after) => {
      const data = await gql(CONTACTS, { filter, after });
      total = data.contacts.totalCount;
      return { items: data.contacts.nodes, pageInfo: data.contacts.pageInfo, totalCount: total };
    },
    renderItem: (c) => contactCard(c),
    emptyText: t('contacts.none'),
    countText: (shown, count) => plural('contacts.count', count),
  });
  announce(plural('contacts.count', total));

  const params = { organisation: filter.organisationId, region: filter.region, audience: filter.audience };
  const exportFailure = h('div');
  const exportButton = (path, file, text) =>
    h('button', { type: 'button', class: 'button', onclick: async () => {
      exportFailure.replaceChildren();
      try {
        await download(exportUrl(path, params), file);
        announce(t('contacts.exported'));
      } catch (err) {
        exportFailure.replaceChildren(failure(err, { what: text }));
      }
    } }, text);
  const exports = h(
    'section',
    { class: 'exports', 'aria-labelledby': 'contacts-export' },
    h('h2', { id: 'contacts-export', class: 'h3' }, t('contacts.export')),
    h('p', { class: 'hint' }, t('contacts.export_hint')),
    h('p', { class: 'button-row' }, exportButton('/contacts.vcf', 'contacts.vcf', t('contacts.export_vcard')), exportButton('/contacts.csv', 'contacts.csv', t('contacts.export_csv'))),
    exportFailure,
  );
  const actions = session.isEditor() ? [linkButton(router.href('/contacts/nouveau'), t('contacts.new'), true)] : [];
  return h('div', {}, pageHeader(t('contacts.title'), actions, t('contacts.intro')), filters, exports, list);
}
