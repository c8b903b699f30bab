// The welcome view: what the hub is, one search box, the next events, the newest resources.

import { h } from '../dom.js';
import { t } from '../i18n.js';
import { gql } from '../api.js';
import * as router from '../router.js';
import * as session from '../session.js';
import { eventCard, resourceCard, EVENT_FIELDS, RESOURCE_FIELDS } from '../parts/cards.js';
import { linkButton } from '../ui/widgets.js';

export async function render(ctx) {
  const now = new Date().toISOString();
  const data = await gql(
    `query Home($now: DateTime!) {
      upcoming: events(first: 4, filter: { startsAfter: $now }) { nodes { ${EVENT_FIELDS} } }
      past: events(first: 4, filter: { startsBefore: $now }, orderBy: STARTS_AT_DESC) { nodes { ${EVENT_FIELDS} } }
      resources(first: 4) { nodes { ${RESOURCE_FIELDS} } }
    }`,
    { now },
  );
  const user = session.current();
  const events = data.upcoming.nodes.length ? data.upcoming.nodes : data.past.nodes;
  const search = h('input', { type: 'search', id: 'home-search', name: 'q', autocomplete: 'off' });
  return h(
    'div',
    { class: 'home' },
    h(
      'section',
      { class: 'hero', 'aria-labelledby': 'home-title' },
      h('h1', { id: 'home-title', tabindex: '-1' }, user ? t('home.welcome_back', { name: user.displayName || user.email }) : t('home.title')),
      h('p', { class: 'lead' }, t('home.lead')),
      ctx.notice ? h('p', { class: 'notice', role: 'status' }, ctx.notice) : null,
      h(
        'form',
        { class: 'search-box', role: 'search', onsubmit: (e) => { e.preventDefault(); router.go('/recherche', { q: search.value.trim() }); } },
        h('label', { for: 'home-search' }, t('search.label')),
        h('div', { class: 'search-row' }, search, h('button', { type: 'submit', class: 'button button-primary' }, t('search.submit'))),
      ),
    ),
    h(
      'div',
      { class: 'columns' },
      h(
        'section',
        { 'aria-labelledby': 'home-events' },
        h('h2', { id: 'home-events' }, data.upcoming.nodes.length ? t('home.upcoming') : t('home.recent_events')),
        events.length ? h('ul', { class: 'cards' }, events.map((e) => eventCard(e))) : h('p', { class: 'empty' }, t('agenda.none')),
        h('p', {}, linkButton(router.href('/agenda'), t('home.all_events'))),
      ),
      h(
        'section',
        { 'aria-labelledby': 'home-resources' },
        h('h2', { id: 'home-resources' }, t('home.resources')),
        data.resources.nodes.length ? h('ul', { class: 'cards' }, data.resources.nodes.map((r) => resourceCard(r))) : h('p', { class: 'empty' }, t('resources.none')),
        h('p', {}, linkButton(router.href('/ressources'), t('home.all_resources'))),
      ),
    ),
    user ? null : h('section', { class: 'notice', 'aria-labelledby': 'home-members' }, h('h2', { id: 'home-members' }, t('home.members')), h('p', {}, t('home.members_text')), h('p', {}, linkButton(router.href('/connexion'), t('nav.sign_in'), true))),
  );
}
