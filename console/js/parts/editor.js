// The page that creates or edits one record: load it (when editing), check that the account
// may write it, draw its form, send `createX` or `updateX`, and open the saved record.

import { h } from '../dom.js';
import { t, label } from '../i18n.js';
import { gql } from '../api.js';
import * as router from '../router.js';
import * as session from '../session.js';
import * as organisations from '../organisations.js';
import { AUDIENCES, VISIBILITIES } from '../vocab.js';
import { createForm } from '../ui/form.js';
import { forbidden } from '../ui/panels.js';
import { announce } from '../ui/status.js';
import { pageHeader } from '../ui/widgets.js';

/**
 * `spec`: `{ titles: { create, update }, load(id) → record|null, owner(record) → organisation
 * id, fields(record) → field specs, input(values, record) → API input, create(input) →
 * saved, update(id, input) → saved, view(saved) → path, back }`.
 */
export async function editorPage(ctx, spec) {
  const id = ctx.params.id || ctx.params.slug || null;
  const record = id ? await spec.load(id) : null;
  const title = t(id ? spec.titles.update : spec.titles.create);
  if (id && !record) {
    return h('div', {}, pageHeader(title), h('p', {}, t('record.not_found_text')));
  }
  if (record && !session.canEdit(spec.owner(record))) {
    return h('div', {}, pageHeader(title), forbidden(t('forbidden.not_yours')));
  }
  const fields = await spec.fields(record);
  const form = createForm({
    submitLabel: t(id ? 'do.save' : 'do.create'),
    fields,
    onSubmit: async (values) => {
      const input = spec.input(values, record);
      const saved = record ? await spec.update(record.id, input) : await spec.create(input);
      announce(t('record.saved'));
      router.go(spec.view(saved));
    },
  });
  const back = record ? spec.view(record) : spec.back;
  return h(
    'div',
    { class: 'editor' },
    pageHeader(title, [], record ? spec.subtitle?.(record) : null),
    h('p', { class: 'hint' }, t('form.required_note')),
    form.element,
    h('p', {}, h('a', { href: router.href(back) }, t('do.cancel'))),
  );
}

/** Runs a `createX`/`updateX` mutation and returns the payload's record. */
export async function save(mutation, variables, payload, field) {
  const data = await gql(mutation, variables);
  return data[payload][field];
}

/** The field choosing the owning organisation: administrators pick, editors write for their own. */
export async function organisationField({ name = 'organisationId', value = null, required = false, labelKey = 'field.organisation', errors = null } = {}) {
  if (!session.isAdmin()) return null;
  const options = await organisations.options(required ? null : t('field.no_organisation'));
  return { name, label: t(labelKey), type: 'select', options, value: value ?? (required ? options[0]?.value : ''), required, errors: errors ?? [name] };
}

/** The organisation a new record of an editor belongs to: theirs (administrators choose). */
export function ownOrganisation(values, name = 'organisationId') {
  if (session.isAdmin()) return values[name] || null;
  return session.current()?.organisation?.id ?? null;
}

export function audiencesField(value) {
  return { name: 'audiences', label: t('field.audiences'), type: 'checkboxes', options: AUDIENCES.map((v) => ({ value: v, label: label('Audience', v) })), value: value ?? [] };
}

export function tagsField(value) {
  return { name: 'tags', label: t('field.tags'), hint: t('field.tags_hint'), value: (value ?? []).join(', ') };
}

export function tagsOf(text) {
  return (text || '').split(',').map((tag) => tag.trim()).filter(Boolean);
}

export function visibilityField(value, fallback) {
  return {
    name: 'visibility',
    label: t('field.visibility'),
    type: 'radios',
    options: VISIBILITIES.map((v) => ({ value: v, label: `${label('Visibility', v)} — ${t(`visibility.hint.${v}`)}` })),
    value: value ?? fallback,
  };
}

/** `[{ value, label }]` of an enum with an empty choice first (`null` when sent). */
export function optionalEnum(type, values) {
  return [{ value: '', label: t('field.none') }, ...values.map((v) => ({ value: v, label: label(type, v) }))];
}
