// The audit log (administrators): who changed what, when, newest first.

import { h } from '../dom.js';
import { t, has, plural } from '../i18n.js';
import { gql } from '../api.js';
import * as router from '../router.js';
import { dateTime, HOME_ZONE, zonedToIso, addDays } from '../format.js';
import { filterBar, pageHeader, pagedList } from '../ui/widgets.js';

const SUBJECTS = ['Organisation', 'Contact', 'Resource', 'Event', 'Action', 'ExperienceReport', 'Feed', 'User', 'ApiKey', 'CalendarSubscription'];
const OPERATIONS = ['create', 'update', 'delete', 'import', 'login', 'logout', 'change_password', 'reset_password', 'disable', 'enable', 'revoke'];

const LOG = `query Audit($filter: AuditLogFilter, $after: String) {
  auditLog(filter: $filter, first: 50, after: $after) { nodes { id at actorKind actorLabel entityType entityId operation changedFields } pageInfo { hasNextPage endCursor } totalCount }
}`;

const PATHS = { Event: '/evenements/', Resource: '/ressources/', Action: '/actions/', Contact: '/contacts/', Feed: '/flux/' };

export async function render(ctx) {
  const { query } = ctx;
  const filter = {};
  if (query.get('type')) filter.entityType = query.get('type');
  if (query.get('operation')) filter.operation = query.get('operation');
  const day = query.get('jour');
  if (/^\d{4}-\d{2}-\d{2}$/.test(day || '')) {
    filter.afterTime = zonedToIso(day, '00:00', HOME_ZONE);
    filter.beforeTime = zonedToIso(addDays(day, 1), '00:00', HOME_ZONE);
  }
  const filters = filterBar(
    [
      { name: 'type', label: t('audit.type'), options: [{ value: '', label: t('filters.any_type') }, ...SUBJECTS.map((s) => ({ value: s, label: subject(s) }))] },
      { name: 'operation', label: t('audit.operation'), options: [{ value: '', label: t('filters.any_operation') }, ...OPERATIONS.map((o) => ({ value: o, label: operation(o) }))] },
    ],
    query,
    { legend: t('audit.filters') },
  );
  const dayInput = h('input', { type: 'date', id: 'audit-day', value: day || '', onchange: (e) => router.update({ jour: e.target.value || null }) });
  filters.insertBefore(h('div', { class: 'filter' }, h('label', { for: 'audit-day' }, t('audit.day')), dayInput), filters.lastChild?.tagName === 'BUTTON' ? filters.lastChild : null);

  const rows = await pagedList({
    tag: 'tbody',
    className: '',
    load: async (after) => {
      const data = await gql(LOG, { filter, after });
      return { items: data.auditLog.nodes, pageInfo: data.auditLog.pageInfo, totalCount: data.auditLog.totalCount };
    },
    renderItem: entry,
    emptyText: t('audit.none'),
    countText: (shown, total) => plural('audit.count', total),
  });
  // The rows go into a table with its head; the count and « more » stay around it.
  const body = rows.querySelector('tbody');
  if (body) {
    const table = h(
      'table',
      { class: 'data-table audit' },
      h('caption', { class: 'visually-hidden' }, t('audit.title')),
      h('thead', {}, h('tr', {}, ['audit.when', 'audit.who', 'audit.operation', 'audit.type', 'audit.fields'].map((k) => h('th', { scope: 'col' }, t(k))))),
    );
    body.replaceWith(h('div', { class: 'table-scroll', tabindex: '0', role: 'region', 'aria-label': t('audit.title') }, table));
    table.append(body);
  }
  return h('div', {}, pageHeader(t('audit.title'), [], t('audit.intro')), filters, rows);
}

function subject(s) {
  return has(`audit.subject.${s}`) ? t(`audit.subject.${s}`) : s;
}

function operation(o) {
  return has(`audit.op.${o}`) ? t(`audit.op.${o}`) : o;
}

function entry(e) {
  const path = PATHS[e.entityType];
  const what = e.entityId && path && e.operation !== 'delete' ? h('a', { href: router.href(`${path}${e.entityId}`) }, subject(e.entityType)) : subject(e.entityType);
  return h(
    'tr',
    {},
    h('th', { scope: 'row' }, h('time', { datetime: e.at }, dateTime(e.at))),
    h('td', {}, e.actorLabel),
    h('td', {}, operation(e.operation)),
    h('td', {}, what),
    h('td', {}, e.changedFields.join(', ')),
  );
}
