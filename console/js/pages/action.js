// One action: what prompted it, what was done, what it taught, and the partners' reports
// on it (any signed-in account may add one).

import { h } from '../dom.js';
import { t, label, plural } from '../i18n.js';
import { gql } from '../api.js';
import * as router from '../router.js';
import * as session from '../session.js';
import { dateTime } from '../format.js';
import { deleteButton } from '../parts/delete.js';
import { reportsSection, REPORT_FIELDS } from '../parts/reports.js';
import { badge, enumBadges, facts, linkButton, pageHeader, tagList } from '../ui/widgets.js';
import { TEXTS } from './edit-action.js';

const ACTION = `query Action($id: ID!) { action(id: $id) {
  id title ${TEXTS.join(' ')} region status priority audiences tags peopleReached visibility updatedAt organisation { id slug name }
  experienceReports(first: 50) { nodes { ${REPORT_FIELDS} } }
} }`;

export async function render(ctx) {
  const { action: a } = await gql(ACTION, { id: ctx.params.id });
  if (!a) {
    return h('div', {}, pageHeader(t('action.not_found')), h('p', {}, t('record.not_found_text')), h('p', {}, h('a', { href: router.href('/actions') }, t('nav.actions'))));
  }
  const actions = [];
  if (session.canEdit(a.organisation?.id)) {
    actions.push(linkButton(router.href(`/actions/${a.id}/modifier`), t('do.edit'), true));
    actions.push(deleteButton({
      confirmText: t('action.delete_confirm', { title: a.title }),
      mutation: 'mutation DeleteAction($id: ID!) { deleteAction(id: $id) { deletedId } }',
      id: a.id,
      then: () => router.go('/actions'),
    }));
  }
  return h(
    'article',
    { class: 'record' },
    pageHeader(a.title, actions),
    h('p', { class: 'record-badges' }, badge(label('ActionStatus', a.status), 'kind'), badge(t('action.priority_value', { priority: label('Priority', a.priority) })), session.signedIn() ? badge(label('Visibility', a.visibility)) : null),
    facts([
      [t('field.organisation'), h('a', { href: router.href(`/organisations/${a.organisation.slug}`) }, a.organisation.name)],
      [t('field.region'), a.region ? label('Region', a.region) : null],
      [t('field.people_reached'), a.peopleReached !== null && a.peopleReached !== undefined ? plural('report.people', a.peopleReached) : null],
      [t('field.audiences'), enumBadges('Audience', a.audiences)],
      [t('field.tags'), tagList(a.tags)],
    ]),
    TEXTS.filter((name) => a[name]).map((name) => h('section', { class: 'record-text', 'aria-labelledby': `action-${name}` }, h('h2', { id: `action-${name}` }, t(`action.section.${name}`)), h('p', { class: 'prewrap' }, a[name]))),
    reportsSection(a.experienceReports.nodes, { actionId: a.id }),
    h('p', { class: 'record-updated' }, t('record.updated', { date: dateTime(a.updatedAt) })),
  );
}
