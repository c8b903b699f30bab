// Creating and editing an action (an initiative and what it taught).

import { t, label } from '../i18n.js';
import { gql } from '../api.js';
import { ACTION_STATUSES, PRIORITIES, REGIONS } from '../vocab.js';
import { audiencesField, editorPage, optionalEnum, organisationField, ownOrganisation, save, tagsField, tagsOf, visibilityField } from '../parts/editor.js';

export const TEXTS = ['summary', 'findings', 'objectives', 'achievements', 'stakeholders', 'obstacles', 'indicators', 'feedback'];
const FIELDS = `id title ${TEXTS.join(' ')} region status priority audiences tags peopleReached visibility organisation { id }`;

export function render(ctx) {
  return editorPage(ctx, {
    titles: { create: 'edit.action.create', update: 'edit.action.update' },
    back: '/actions',
    subtitle: (a) => a.title,
    load: async (id) => (await gql(`query EditAction($id: ID!) { action(id: $id) { ${FIELDS} } }`, { id })).action,
    owner: (a) => a.organisation?.id,
    view: (a) => `/actions/${a.id}`,
    fields: async (a) => [
      await organisationField({ value: a?.organisation?.id ?? null, required: true }),
      { name: 'title', label: t('field.title'), required: true, value: a?.title, id: 'action-title' },
      ...TEXTS.map((name) => ({ name, label: t(`action.section.${name}`), type: 'textarea', rows: name === 'summary' ? 3 : 5, value: a?.[name], id: `action-${name}` })),
      { name: 'region', label: t('field.region'), type: 'select', options: optionalEnum('Region', REGIONS), value: a?.region ?? '', id: 'action-region' },
      { name: 'status', label: t('field.status'), type: 'select', options: ACTION_STATUSES.map((v) => ({ value: v, label: label('ActionStatus', v) })), value: a?.status ?? 'PLANNED', id: 'action-status' },
      { name: 'priority', label: t('field.priority'), type: 'select', options: PRIORITIES.map((v) => ({ value: v, label: label('Priority', v) })), value: a?.priority ?? 'MEDIUM', id: 'action-priority' },
      { name: 'peopleReached', label: t('field.people_reached'), type: 'number', min: 0, value: a?.peopleReached ?? '', inputmode: 'numeric', id: 'action-people' },
      audiencesField(a?.audiences),
      tagsField(a?.tags),
      visibilityField(a?.visibility, 'PUBLIC'),
    ].filter(Boolean),
    input: (v, a) => {
      const input = {
        title: v.title ?? '',
        region: v.region || null,
        status: v.status,
        priority: v.priority,
        peopleReached: v.peopleReached,
        audiences: v.audiences,
        tags: tagsOf(v.tags),
        visibility: v.visibility || 'PUBLIC',
      };
      for (const name of TEXTS) input[name] = v[name];
      if ('organisationId' in v) input.organisationId = v.organisationId;
      else if (!a) input.organisationId = ownOrganisation(v);
      return input;
    },
    create: (input) => save('mutation CreateAction($input: CreateActionInput!) { createAction(input: $input) { action { id title } } }', { input }, 'createAction', 'action'),
    update: (id, input) => save('mutation UpdateAction($id: ID!, $input: UpdateActionInput!) { updateAction(id: $id, input: $input) { action { id title } } }', { id, input }, 'updateAction', 'action'),
  });
}
