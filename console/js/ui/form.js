// Forms whose every control has its label, its hint and, when the hub refuses a value, the
// hub's reason beside it (`extensions.field` names the field), plus a summary at the top that
// links to each field in error. Browsers' own checks are off (`novalidate`): the hub decides,
// and says why in the reader's language.

import { h, uid } from '../dom.js';
import { t, plural } from '../i18n.js';
import { describe, fieldSentence } from '../errors.js';
import { ApiError } from '../api.js';
import { announce } from './status.js';

/**
 * One field. `spec`: `{ name, label, type, value, required, hint, options, rows, autocomplete,
 * inputmode, errors }`. `type`: text, email, url, tel, password, number, date, time, month,
 * textarea, select, checkbox, checkboxes, radios, file. `errors`: the `extensions.field`
 * names that belong to it (its `name` by default). `options`: `[{ value, label }]`.
 */
function buildField(spec) {
  const id = spec.id || uid(`field-${spec.name.replace(/\W/g, '-')}`);
  const hintId = `${id}-hint`;
  const errorId = `${id}-error`;
  const hint = spec.hint ? h('p', { class: 'hint', id: hintId }, spec.hint) : null;
  const error = h('p', { class: 'field-error', id: errorId, hidden: true });
  const required = spec.required ? h('span', { class: 'required' }, ` ${t('form.required')}`) : null;
  const describedBy = [spec.hint ? hintId : null].filter(Boolean).join(' ') || null;
  let control;
  let wrapper;

  if (spec.type === 'checkboxes' || spec.type === 'radios') {
    const chosen = new Set([].concat(spec.value ?? []));
    const inputType = spec.type === 'radios' ? 'radio' : 'checkbox';
    const inputs = spec.options.map((option, i) => {
      const optionId = `${id}-${i}`;
      return h(
        'div',
        { class: 'choice' },
        h('input', { type: inputType, id: optionId, name: id, value: option.value, checked: chosen.has(option.value) }),
        h('label', { for: optionId }, option.label),
      );
    });
    control = h('fieldset', { class: 'choices', id, 'aria-describedby': describedBy }, h('legend', {}, spec.label, required), hint, h('div', { class: spec.type === 'radios' ? 'choice-list' : 'choice-grid' }, inputs));
    control.dataset.kind = spec.type;
    wrapper = h('div', { class: 'field' }, control, error);
    return { spec, id, control, wrapper, error, focusTarget: () => control.querySelector('input') };
  }

  const common = {
    id,
    name: spec.name,
    'aria-describedby': describedBy,
    autocomplete: spec.autocomplete || null,
    inputmode: spec.inputmode || null,
    'aria-required': spec.required ? 'true' : null,
  };
  if (spec.type === 'textarea') {
    control = h('textarea', { ...common, rows: spec.rows || 5 });
    control.value = spec.value ?? '';
  } else if (spec.type === 'select') {
    control = h(
      'select',
      common,
      spec.options.map((option) => h('option', { value: option.value, selected: String(spec.value ?? '') === String(option.value) }, option.label)),
    );
  } else if (spec.type === 'checkbox') {
    control = h('input', { ...common, type: 'checkbox', checked: !!spec.value });
    wrapper = h('div', { class: 'field field-checkbox' }, h('div', { class: 'choice' }, control, h('label', { for: id }, spec.label)), hint, error);
    return { spec, id, control, wrapper, error, focusTarget: () => control };
  } else if (spec.type === 'file') {
    control = h('input', { ...common, type: 'file', accept: spec.accept || null });
  } else {
    control = h('input', { ...common, type: spec.type || 'text', min: spec.min ?? null, max: spec.max ?? null, step: spec.step ?? null });
    control.value = spec.value ?? '';
  }
  wrapper = h('div', { class: 'field' }, h('label', { for: id }, spec.label, required), hint, error, control);
  return { spec, id, control, wrapper, error, focusTarget: () => control };
}

function readField(field) {
  const { spec, control } = field;
  switch (spec.type) {
    case 'checkbox':
      return control.checked;
    case 'checkboxes':
      return [...control.querySelectorAll('input:checked')].map((input) => input.value);
    case 'radios':
      return control.querySelector('input:checked')?.value ?? null;
    case 'number': {
      const raw = control.value.trim();
      return raw === '' ? null : Number(raw);
    }
    case 'file':
      return control.files?.[0] ?? null;
    case 'password':
      return control.value;
    default: {
      const raw = control.value.trim();
      return raw === '' ? null : raw;
    }
  }
}

/**
 * A form: `{ fields, submitLabel, onSubmit(values, form), title, intro, extra }`. `fields`
 * may hold `{ group: label, fields: [...] }` for a fieldset of fields. `onSubmit` may throw an
 * `ApiError`: its field errors go beside their fields, the others into the summary.
 */
export function createForm({ fields, submitLabel, onSubmit, extra = null, className = '' }) {
  const all = [];
  const build = (items) =>
    items.map((item) => {
      if (item.group) {
        return h('fieldset', { class: 'group' }, h('legend', {}, item.group), item.intro ? h('p', { class: 'hint' }, item.intro) : null, build(item.fields));
      }
      const field = buildField(item);
      all.push(field);
      return field.wrapper;
    });
  const summaryTitle = h('h2', { id: uid('summary-title') });
  const summaryList = h('ul');
  const summary = h('div', { class: 'error-summary', tabindex: '-1', hidden: true, 'aria-labelledby': summaryTitle.id }, summaryTitle, summaryList);
  const submit = h('button', { type: 'submit', class: 'button button-primary' }, submitLabel);
  const element = h('form', { class: ['form', className], novalidate: true }, summary, build(fields), extra, h('div', { class: 'form-actions' }, submit));

  const form = {
    element,
    fields: all,
    field(name) {
      return all.find((f) => f.spec.name === name);
    },
    values() {
      const out = {};
      for (const field of all) out[field.spec.name] = readField(field);
      return out;
    },
    clearErrors() {
      summary.hidden = true;
      summaryList.replaceChildren();
      for (const field of all) {
        field.error.hidden = true;
        field.error.textContent = '';
        setInvalid(field, false);
      }
    },
    /** Shows `err` (an ApiError or any failure) beside the fields it names and in the summary. */
    showErrors(err) {
      form.clearErrors();
      const items = [];
      const named = err instanceof ApiError ? err.fieldErrors : [];
      for (const error of named) {
        const name = error.extensions.field;
        const field = all.find((f) => (f.spec.errors || [f.spec.name]).includes(name));
        const sentence = fieldSentence(error);
        if (field) {
          field.error.textContent = sentence;
          field.error.hidden = false;
          setInvalid(field, true);
          items.push(h('li', {}, h('a', { href: `#${field.id}`, onclick: (e) => { e.preventDefault(); field.focusTarget().focus(); } }, `${field.spec.label} : ${sentence}`)));
        } else {
          items.push(h('li', {}, sentence));
        }
      }
      if (!named.length) items.push(h('li', {}, describe(err)));
      summaryTitle.textContent = named.length ? plural('form.errors', named.length) : t('form.failed');
      summaryList.replaceChildren(...items);
      summary.hidden = false;
      summary.focus();
    },
    busy(on) {
      submit.disabled = on;
      element.setAttribute('aria-busy', on ? 'true' : 'false');
      submit.textContent = on ? t('form.sending') : submitLabel;
    },
  };

  element.addEventListener('submit', async (event) => {
    event.preventDefault();
    if (submit.disabled) return;
    form.clearErrors();
    form.busy(true);
    try {
      await onSubmit(form.values(), form);
    } catch (err) {
      form.showErrors(err);
      announce(summaryTitle.textContent);
    } finally {
      if (element.isConnected) form.busy(false);
    }
  });
  return form;
}

function setInvalid(field, invalid) {
  const target = field.control;
  const ids = new Set((target.getAttribute('aria-describedby') || '').split(' ').filter(Boolean));
  if (invalid) {
    target.setAttribute('aria-invalid', 'true');
    ids.add(field.error.id);
  } else {
    target.removeAttribute('aria-invalid');
    ids.delete(field.error.id);
  }
  if (ids.size) target.setAttribute('aria-describedby', [...ids].join(' '));
  else target.removeAttribute('aria-describedby');
}
