// The partner feeds the account may see (its organisation's; every one for administrators),
// their health and last error; editors add one.

import { h } from '../dom.js';
import { t, label, plural } from '../i18n.js';
import { gql } from '../api.js';
import * as router from '../router.js';
import * as session from '../session.js';
import { dateTime } from '../format.js';
import { AUDIENCES, FEED_FORMATS, VISIBILITIES, ZONES } from '../vocab.js';
import { organisationField, ownOrganisation } from '../parts/editor.js';
import { createForm } from '../ui/form.js';
import { announce } from '../ui/status.js';
import { badge, facts, pageHeader, pagedList } from '../ui/widgets.js';

const FEEDS = `query Feeds($after: String) {
  feeds(first: 30, after: $after) { nodes { id name url format status enabled lastSuccessAt lastError nextFetchAt organisation { name slug } } pageInfo { hasNextPage endCursor } totalCount }
}`;

export function statusBadge(feed) {
  const kind = { PENDING: '', OK: 'success', FAILING: 'danger', DISABLED: '' }[feed.status] ?? '';
  return badge(label('FeedStatus', feed.status), kind);
}

function feedCard(feed) {
  return h(
    'li',
    { class: 'card card-feed' },
    h('h2', { class: 'card-title' }, h('a', { href: router.href(`/flux/${feed.id}`) }, feed.name)),
    h('p', { class: 'card-badges' }, statusBadge(feed), badge(label('FeedFormat', feed.format), 'kind')),
    facts([
      [t('field.organisation'), feed.organisation?.name],
      [t('feed.last_success'), feed.lastSuccessAt ? dateTime(feed.lastSuccessAt) : t('feed.never')],
      [t('feed.next_fetch'), feed.enabled ? dateTime(feed.nextFetchAt) : null],
      [t('feed.last_error'), feed.lastError],
    ]),
  );
}

export async function render() {
  let total = 0;
  const list = await pagedList({
    load: async (after) => {
      const data = await gql(FEEDS, { after });
      total = data.feeds.totalCount;
      return { items: data.feeds.nodes, pageInfo: data.feeds.pageInfo, totalCount: total };
    },
    renderItem: feedCard,
    emptyText: t('feeds.none'),
    countText: (shown, count) => plural('feeds.count', count),
  });
  announce(plural('feeds.count', total));
  const page = h('div', {}, pageHeader(t('feeds.title'), [], t('feeds.intro')), list);
  if (session.isEditor()) page.append(await addForm());
  return page;
}

async function addForm() {
  const form = createForm({
    submitLabel: t('feeds.add'),
    fields: [
      await organisationField({ required: true }),
      { name: 'name', label: t('field.name'), required: true, id: 'feed-name' },
      { name: 'url', label: t('feed.url'), type: 'url', required: true, hint: t('feed.url_hint'), id: 'feed-url' },
      { name: 'format', label: t('feed.format'), type: 'select', options: FEED_FORMATS.map((v) => ({ value: v, label: label('FeedFormat', v) })), value: 'AUTO', id: 'feed-format' },
      { name: 'intervalMinutes', label: t('feed.interval'), type: 'number', min: 5, value: 60, hint: t('feed.interval_hint'), id: 'feed-interval' },
      { name: 'defaultVisibility', label: t('feed.default_visibility'), type: 'select', options: VISIBILITIES.map((v) => ({ value: v, label: label('Visibility', v) })), value: 'PUBLIC', id: 'feed-visibility' },
      { name: 'defaultAudiences', label: t('feed.default_audiences'), type: 'checkboxes', options: AUDIENCES.map((v) => ({ value: v, label: label('Audience', v) })), value: [] },
      { name: 'timezone', label: t('feed.timezone'), type: 'select', options: ZONES.map((z) => ({ value: z, label: t(`zone.${z}`) })), value: 'Europe/Paris', hint: t('feed.timezone_hint'), id: 'feed-timezone' },
      { name: 'usePublicationDate', label: t('feed.use_publication_date'), type: 'checkbox', hint: t('feed.use_publication_date_hint'), id: 'feed-publication-date' },
    ].filter(Boolean),
    onSubmit: async (v) => {
      const data = await gql('mutation CreateFeed($input: CreateFeedInput!) { createFeed(input: $input) { feed { id } } }', {
        input: {
          organisationId: ownOrganisation(v),
          name: v.name ?? '',
          url: v.url ?? '',
          format: v.format,
          intervalMinutes: v.intervalMinutes,
          defaultVisibility: v.defaultVisibility,
          defaultAudiences: v.defaultAudiences,
          timezone: v.timezone,
          usePublicationDate: v.usePublicationDate,
        },
      });
      announce(t('feeds.added'));
      router.go(`/flux/${data.createFeed.feed.id}`);
    },
  });
  return h('section', { class: 'add-feed', 'aria-labelledby': 'add-feed-title' }, h('h2', { id: 'add-feed-title' }, t('feeds.add_title')), h('p', { class: 'hint' }, t('feeds.add_intro')), form.element);
}
