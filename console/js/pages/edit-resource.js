// Creating and editing a resource of the library.

import { t, label } from '../i18n.js';
import { gql } from '../api.js';
import { RESOURCE_KINDS } from '../vocab.js';
import { audiencesField, editorPage, organisationField, ownOrganisation, save, tagsField, tagsOf, visibilityField } from '../parts/editor.js';

const FIELDS = 'id kind title content description url author freeOfRights licence language audiences tags visibility organisation { id }';

export function render(ctx) {
  return editorPage(ctx, {
    titles: { create: 'edit.resource.create', update: 'edit.resource.update' },
    back: '/ressources',
    subtitle: (r) => r.title,
    load: async (id) => (await gql(`query EditResource($id: ID!) { resource(id: $id) { ${FIELDS} } }`, { id })).resource,
    owner: (r) => r.organisation?.id,
    view: (r) => `/ressources/${r.id}`,
    fields: async (r) => [
      { name: 'title', label: t('field.title'), required: true, value: r?.title, id: 'resource-title' },
      { name: 'kind', label: t('field.kind'), type: 'select', required: true, options: RESOURCE_KINDS.map((v) => ({ value: v, label: label('ResourceKind', v) })), value: r?.kind ?? 'TEACHING_KIT', id: 'resource-kind' },
      { name: 'content', label: t('field.content'), hint: t('field.content_hint'), value: r?.content, id: 'resource-content' },
      { name: 'description', label: t('field.description'), type: 'textarea', value: r?.description, id: 'resource-description' },
      { name: 'url', label: t('field.url'), type: 'url', value: r?.url, hint: t('field.url_hint'), id: 'resource-url' },
      { name: 'author', label: t('field.author'), value: r?.author, id: 'resource-author' },
      { name: 'freeOfRights', label: t('field.free_of_rights'), type: 'checkbox', value: r?.freeOfRights ?? false, id: 'resource-free' },
      { name: 'licence', label: t('field.licence'), value: r?.licence, hint: t('field.licence_hint'), id: 'resource-licence' },
      { name: 'language', label: t('field.language'), value: r?.language ?? 'fr', hint: t('field.language_hint'), id: 'resource-language' },
      audiencesField(r?.audiences),
      tagsField(r?.tags),
      await organisationField({ value: r?.organisation?.id ?? null }),
      visibilityField(r?.visibility, 'PUBLIC'),
    ].filter(Boolean),
    input: (v, r) => {
      const input = {
        kind: v.kind,
        title: v.title ?? '',
        content: v.content,
        description: v.description,
        url: v.url,
        author: v.author,
        freeOfRights: v.freeOfRights,
        licence: v.licence,
        language: v.language || 'fr',
        audiences: v.audiences,
        tags: tagsOf(v.tags),
        visibility: v.visibility || 'PUBLIC',
      };
      if ('organisationId' in v) input.organisationId = v.organisationId || null;
      else if (!r) input.organisationId = ownOrganisation(v);
      return input;
    },
    create: (input) => save('mutation CreateResource($input: CreateResourceInput!) { createResource(input: $input) { resource { id title } } }', { input }, 'createResource', 'resource'),
    update: (id, input) => save('mutation UpdateResource($id: ID!, $input: UpdateResourceInput!) { updateResource(id: $id, input: $input) { resource { id title } } }', { id, input }, 'updateResource', 'resource'),
  });
}
