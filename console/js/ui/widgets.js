// Small pieces the pages share: badges, lists of facts, the filter bar, « show more ».

import { h, uid } from '../dom.js';
import { t, label } from '../i18n.js';
import * as router from '../router.js';
import { failure } from './panels.js';

export function badge(text, kind = '') {
  return h('span', { class: ['badge', kind && `badge-${kind}`] }, text);
}

/** The badges of a list of enum values (`Audience`…). */
export function enumBadges(type, values) {
  if (!values?.length) return null;
  return h('ul', { class: 'tags', 'aria-label': t(`list.${type}`) }, values.map((v) => h('li', {}, badge(label(type, v)))));
}

/** Free tags. */
export function tagList(tags) {
  if (!tags?.length) return null;
  return h('ul', { class: 'tags', 'aria-label': t('list.tags') }, tags.map((tag) => h('li', {}, badge(`#${tag}`, 'tag'))));
}

/** A definition list of the pairs whose value is not empty. */
export function facts(pairs) {
  const items = pairs.filter(([, value]) => value !== null && value !== undefined && value !== '' && !(Array.isArray(value) && !value.length));
  if (!items.length) return null;
  return h('dl', { class: 'facts' }, items.map(([term, value]) => h('div', { class: 'fact' }, h('dt', {}, term), h('dd', {}, value))));
}

/** An external link, said to open another site. */
export function external(url, text) {
  return h('a', { href: url, rel: 'noopener noreferrer', class: 'external' }, text || url);
}

/** A heading with the page's actions beside it. */
export function pageHeader(title, actions = [], subtitle = null) {
  return h(
    'div',
    { class: 'page-header' },
    h('div', {}, h('h1', { tabindex: '-1' }, title), subtitle ? h('p', { class: 'subtitle' }, subtitle) : null),
    actions.length ? h('div', { class: 'page-actions' }, actions) : null,
  );
}

/** A link styled as a button. */
export function linkButton(hrefValue, text, primary = false) {
  return h('a', { href: hrefValue, class: ['button', primary && 'button-primary'] }, text);
}

/**
 * The filter bar of a list: selects and checkboxes bound to the route's query. A change
 * applies at once (the list below is drawn again; the focus stays on the control).
 * `filters`: `[{ name, label, options: [{value, label}] }]` or `{ name, label, checkbox: true }`.
 */
export function filterBar(filters, query, { legend = t('filters.title'), onReset = null } = {}) {
  const controls = filters.map((filter) => {
    const id = `filter-${filter.name}`;
    if (filter.checkbox) {
      return h(
        'div',
        { class: 'filter filter-checkbox' },
        h('input', { type: 'checkbox', id, checked: query.get(filter.name) === '1', onchange: (e) => router.update({ [filter.name]: e.target.checked ? '1' : null, after: null }) }),
        h('label', { for: id }, filter.label),
      );
    }
    return h(
      'div',
      { class: 'filter' },
      h('label', { for: id }, filter.label),
      h(
        'select',
        { id, onchange: (e) => router.update({ [filter.name]: e.target.value || null, after: null }) },
        filter.options.map((o) => h('option', { value: o.value, selected: (query.get(filter.name) || '') === o.value }, o.label)),
      ),
    );
  });
  const active = filters.some((f) => query.get(f.name));
  const reset = active
    ? h('button', { type: 'button', class: 'button button-small', id: 'filter-reset', onclick: () => {
        const changes = Object.fromEntries(filters.map((f) => [f.name, null]));
        router.update({ ...changes, after: null });
        onReset?.();
      } }, t('filters.reset'))
    : null;
  return h('form', { class: 'filters', role: 'search', 'aria-label': legend, onsubmit: (e) => e.preventDefault() }, controls, reset);
}

/**
 * A list that grows by pages: `load(after)` resolves to `{ items, pageInfo }`, `renderItem`
 * draws one. Resolves to the element once the first page is in.
 */
export async function pagedList({ load, renderItem, emptyText, tag = 'ul', className = 'cards', countText = null }) {
  const first = await load(null);
  const list = h(tag, { class: className });
  const status = h('p', { class: 'list-count', role: 'status' });
  const wrapper = h('div', { class: 'paged' }, status, list);
  if (!first.items.length) {
    wrapper.replaceChildren(h('p', { class: 'empty' }, emptyText));
    return wrapper;
  }
  let shown = 0;
  const addItems = (items) => {
    for (const item of items) list.append(renderItem(item));
    shown += items.length;
    if (countText) status.textContent = countText(shown, first.totalCount);
  };
  addItems(first.items);
  let pageInfo = first.pageInfo;
  const more = h('button', { type: 'button', class: 'button', id: uid('more') }, t('list.more'));
  const moreBox = h('div', { class: 'more' }, more);
  more.addEventListener('click', async () => {
    more.disabled = true;
    more.textContent = t('status.loading');
    const firstNew = list.children.length;
    try {
      const next = await load(pageInfo.endCursor);
      addItems(next.items);
      pageInfo = next.pageInfo;
      moreBox.querySelector('.failure')?.remove();
      // The first new item takes the focus, so that the reader goes on from there.
      list.children[firstNew]?.querySelector('a, button')?.focus();
    } catch (err) {
      moreBox.querySelector('.failure')?.remove();
      moreBox.prepend(failure(err, { what: t('list.next_page') }));
    } finally {
      more.disabled = false;
      more.textContent = t('list.more');
      moreBox.hidden = !pageInfo.hasNextPage;
    }
  });
  moreBox.hidden = !pageInfo.hasNextPage;
  wrapper.append(moreBox);
  return wrapper;
}

/** Copies `text` to the clipboard; resolves to whether it could. */
export async function copy(text) {
  try {
    await navigator.clipboard.writeText(text);
    return true;
  } catch {
    return false;
  }
}

/** A secret shown once (a temporary password, a private link), with a copy button. */
export function secretBox(title, value, note) {
  const output = h('input', { type: 'text', readonly: true, class: 'secret-value', id: uid('secret'), 'aria-label': title });
  output.value = value;
  const said = h('span', { class: 'copy-status', role: 'status' });
  return h(
    'div',
    { class: 'secret', role: 'group', 'aria-label': title },
    h('p', { class: 'secret-title' }, h('strong', {}, title)),
    h('div', { class: 'secret-row' }, output, h('button', { type: 'button', class: 'button', onclick: async () => {
      output.select();
      said.textContent = (await copy(value)) ? t('secret.copied') : t('secret.copy_by_hand');
    } }, t('secret.copy')), said),
    note ? h('p', { class: 'hint' }, note) : null,
  );
}
