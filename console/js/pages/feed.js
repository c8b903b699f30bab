// One feed: its settings, its health and last error, its runs; editors sync it now, pause
// or resume it, or delete it.

import { h } from '../dom.js';
import { t, label, plural } from '../i18n.js';
import { gql } from '../api.js';
import { describe } from '../errors.js';
import * as router from '../router.js';
import * as session from '../session.js';
import { dateTime } from '../format.js';
import { announce } from '../ui/status.js';
import { badge, enumBadges, external, facts, pageHeader } from '../ui/widgets.js';
import { statusBadge } from './feeds.js';

const FEED = `query Feed($id: ID!) { feed(id: $id) {
  id name url format intervalMinutes enabled defaultVisibility defaultAudiences timezone usePublicationDate status
  lastFetchedAt lastSuccessAt lastError consecutiveFailures nextFetchAt organisation { id slug name }
  runs(first: 30) { nodes { id startedAt finishedAt outcome httpStatus itemsSeen created updated removed error warnings } totalCount }
} }`;

export async function render(ctx) {
  const { feed } = await gql(FEED, { id: ctx.params.id });
  if (!feed) {
    return h('div', {}, pageHeader(t('feed.not_found')), h('p', {}, t('record.not_found_text')), h('p', {}, h('a', { href: router.href('/flux') }, t('nav.feeds'))));
  }
  const message = h('p', { class: 'inline-status', role: 'status' });
  const actions = [];
  if (session.canEdit(feed.organisation?.id)) {
    const run = (text, mutation, variables, done) => {
      const button = h('button', { type: 'button', class: 'button' }, text);
      button.addEventListener('click', async () => {
        button.disabled = true;
        message.textContent = t('status.loading');
        try {
          const data = await gql(mutation, variables);
          message.textContent = done(data);
          announce(message.textContent);
          setTimeout(() => ctx.redraw(), 800);
        } catch (err) {
          message.textContent = describe(err);
        } finally {
          button.disabled = false;
        }
      });
      return button;
    };
    actions.push(run(t('feed.sync'), 'mutation SyncFeed($id: ID!) { syncFeed(id: $id) { run { outcome created updated removed error } } }', { id: feed.id }, (d) => t('feed.synced', { outcome: label('FeedRunOutcome', d.syncFeed.run.outcome) })));
    actions.push(run(feed.enabled ? t('feed.pause') : t('feed.resume'), 'mutation ToggleFeed($id: ID!, $enabled: Boolean!) { updateFeed(id: $id, input: { enabled: $enabled }) { feed { id enabled } } }', { id: feed.id, enabled: !feed.enabled }, (d) => (d.updateFeed.feed.enabled ? t('feed.resumed') : t('feed.paused'))));
    const alsoEvents = h('input', { type: 'checkbox', id: 'feed-delete-events' });
    const remove = h('button', { type: 'button', class: 'button button-danger' }, t('do.delete'));
    remove.addEventListener('click', async () => {
      if (!window.confirm(t('feed.delete_confirm', { name: feed.name }))) return;
      try {
        await gql('mutation DeleteFeed($id: ID!, $events: Boolean!) { deleteFeed(id: $id, deleteEvents: $events) { eventsAffected } }', { id: feed.id, events: alsoEvents.checked });
        announce(t('record.deleted'));
        router.go('/flux');
      } catch (err) {
        message.textContent = describe(err);
      }
    });
    actions.push(h('span', { class: 'delete-action' }, h('span', { class: 'choice' }, alsoEvents, h('label', { for: 'feed-delete-events' }, t('feed.delete_events'))), remove));
  }
  return h(
    'article',
    { class: 'record' },
    pageHeader(feed.name, actions),
    message,
    h('p', { class: 'record-badges' }, statusBadge(feed), badge(label('FeedFormat', feed.format), 'kind')),
    feed.lastError ? h('div', { class: 'failure' }, h('h2', { class: 'failure-title' }, t('feed.last_error')), h('p', {}, feed.lastError), h('p', {}, plural('feed.failures', feed.consecutiveFailures))) : null,
    facts([
      [t('field.organisation'), feed.organisation ? h('a', { href: router.href(`/organisations/${feed.organisation.slug}`) }, feed.organisation.name) : null],
      // Members see the site only (`https://host/…`): a private link's secret stays hidden.
      [t('feed.url'), feed.url.includes('…') ? feed.url : external(feed.url)],
      [t('feed.interval'), plural('feed.minutes', feed.intervalMinutes)],
      [t('feed.last_fetch'), feed.lastFetchedAt ? dateTime(feed.lastFetchedAt) : t('feed.never')],
      [t('feed.last_success'), feed.lastSuccessAt ? dateTime(feed.lastSuccessAt) : t('feed.never')],
      [t('feed.next_fetch'), feed.enabled ? dateTime(feed.nextFetchAt) : t('feed.paused_state')],
      [t('feed.default_visibility'), label('Visibility', feed.defaultVisibility)],
      [t('feed.default_audiences'), enumBadges('Audience', feed.defaultAudiences)],
      [t('feed.timezone'), feed.timezone],
      [t('feed.use_publication_date'), feed.usePublicationDate ? t('yes') : t('no')],
    ]),
    runs(feed.runs),
  );
}

function runs(connection) {
  const section = h('section', { 'aria-labelledby': 'feed-runs' }, h('h2', { id: 'feed-runs' }, t('feed.runs'), ' ', h('span', { class: 'count' }, `(${connection.totalCount})`)));
  if (!connection.nodes.length) {
    section.append(h('p', { class: 'empty' }, t('feed.no_runs')));
    return section;
  }
  section.append(
    h(
      'div',
      { class: 'table-scroll', tabindex: '0', role: 'region', 'aria-labelledby': 'feed-runs' },
      h(
        'table',
        { class: 'data-table' },
        h('caption', { class: 'visually-hidden' }, t('feed.runs')),
        h('thead', {}, h('tr', {}, ['feed.run_started', 'feed.run_outcome', 'feed.run_http', 'feed.run_seen', 'feed.run_created', 'feed.run_updated', 'feed.run_removed', 'feed.run_error'].map((k) => h('th', { scope: 'col' }, t(k))))),
        h(
          'tbody',
          {},
          connection.nodes.map((r) =>
            h(
              'tr',
              {},
              h('th', { scope: 'row' }, dateTime(r.startedAt)),
              h('td', {}, badge(label('FeedRunOutcome', r.outcome), r.outcome === 'FAILED' ? 'danger' : r.outcome === 'RUNNING' ? '' : 'success')),
              h('td', {}, r.httpStatus ?? '—'),
              h('td', {}, String(r.itemsSeen)),
              h('td', {}, String(r.created)),
              h('td', {}, String(r.updated)),
              h('td', {}, String(r.removed)),
              h('td', {}, r.error ?? '', r.warnings.length ? h('details', {}, h('summary', {}, plural('feed.warnings', r.warnings.length)), h('ul', {}, r.warnings.map((w) => h('li', {}, w)))) : null),
            ),
          ),
        ),
      ),
    ),
  );
  return section;
}
