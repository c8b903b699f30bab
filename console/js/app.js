// The page's shell (header, navigation, language switch, account, footer) and the drawing
// of each view into `<main>`: title, focus, sign-in and role checks, failures with a retry.

import { h, replace } from './dom.js';
import { t, lang, setLang } from './i18n.js';
import * as router from './router.js';
import * as session from './session.js';
import { ROUTES } from './routes.js';
import { ApiError } from './api.js';
import * as status from './ui/status.js';
import { failure, forbidden, loading } from './ui/panels.js';

const NAV = [
  { path: '/', key: 'nav.home' },
  { path: '/recherche', key: 'nav.search' },
  { path: '/agenda', key: 'nav.agenda' },
  { path: '/ressources', key: 'nav.resources' },
  { path: '/organisations', key: 'nav.organisations' },
  { path: '/actions', key: 'nav.actions' },
  { path: '/annuaire', key: 'nav.contacts', when: () => session.signedIn() },
  { path: '/flux', key: 'nav.feeds', when: () => session.signedIn() },
  { path: '/import', key: 'nav.import', when: () => session.isEditor() },
  { path: '/admin/comptes', key: 'nav.users', when: () => session.isAdmin() },
  { path: '/admin/journal', key: 'nav.audit', when: () => session.isAdmin() },
];

let header;
let main;
let footer;
let drawn = 0;
let lastPath = null;
/** A message for the next view (« Votre session a expiré »), shown once. */
let notice = null;

export async function start() {
  document.documentElement.lang = lang();
  header = document.querySelector('.site-header');
  main = document.querySelector('main');
  footer = document.querySelector('.site-footer');
  status.mount(document.body);
  document.querySelector('.skip-link')?.addEventListener('click', (event) => {
    event.preventDefault();
    main.focus();
  });

  document.addEventListener('passerelle:expired', () => {
    session.forget();
    notice = t('session.expired');
    const { path } = router.current();
    router.go('/connexion', { retour: path === '/connexion' ? null : window.location.hash.slice(1) });
  });
  document.addEventListener('passerelle:password-change', () => router.go('/mot-de-passe'));
  document.addEventListener('passerelle:lang', () => {
    drawShell();
    draw({ keepFocus: false });
  });
  window.addEventListener('hashchange', () => draw());

  drawShell();
  main.replaceChildren(loading(t('status.starting')));
  try {
    await session.load();
  } catch (err) {
    // The hub could not be reached: the views say so, and offer to try again.
    main.replaceChildren(failure(err, { what: t('session.what'), retry: () => window.location.reload() }));
    return;
  }
  drawShell();
  draw();
}

/** Draws the header and the footer for the current language and account. */
export function drawShell() {
  const { path } = router.current();
  const account = session.current();
  const forced = session.mustChangePassword();
  const items = forced ? [] : NAV.filter((item) => !item.when || item.when());
  const navId = 'navigation-principale';
  const toggle = h('button', { type: 'button', class: 'nav-toggle', 'aria-expanded': 'false', 'aria-controls': navId }, t('nav.menu'));
  const nav = h(
    'nav',
    { id: navId, class: 'site-nav', 'aria-label': t('nav.label') },
    h('ul', {}, items.map((item) => h('li', {}, h('a', { href: router.href(item.path), 'aria-current': isCurrent(item.path, path) ? 'page' : null }, t(item.key))))),
  );
  toggle.addEventListener('click', () => {
    const open = toggle.getAttribute('aria-expanded') !== 'true';
    toggle.setAttribute('aria-expanded', String(open));
    nav.classList.toggle('open', open);
  });
  const other = lang() === 'fr' ? 'en' : 'fr';
  const langButton = h('button', { type: 'button', class: 'button button-small lang-switch', lang: other, onclick: () => setLang(other) }, t('lang.switch'));
  const accountArea = account
    ? h(
        'div',
        { class: 'account' },
        forced ? null : h('a', { href: router.href('/compte'), 'aria-current': path === '/compte' ? 'page' : null }, h('span', { class: 'visually-hidden' }, `${t('nav.account')} : `), account.displayName || account.email),
        h('button', { type: 'button', class: 'button button-small', onclick: signOut }, t('nav.sign_out')),
      )
    : h('div', { class: 'account' }, h('a', { href: router.href('/connexion'), class: 'button button-small button-primary' }, t('nav.sign_in')));
  replace(
    header,
    h('div', { class: 'header-bar' }, h('a', { href: router.href('/'), class: 'brand' }, h('span', { class: 'brand-mark', 'aria-hidden': 'true' }), h('span', {}, 'Passerelle')), h('div', { class: 'tools' }, langButton, accountArea), items.length ? toggle : null),
    items.length ? nav : null,
  );
  const skip = document.querySelector('.skip-link');
  if (skip) skip.textContent = t('skip');
  replace(
    footer,
    h('p', {}, t('footer.about')),
    h(
      'ul',
      { class: 'footer-links' },
      h('li', {}, h('a', { href: '/graphql' }, t('footer.graphiql'))),
      h('li', {}, h('a', { href: '/calendar.ics' }, t('footer.calendar'))),
      h('li', {}, h('a', { href: '/events.atom' }, t('footer.events_feed'))),
      h('li', {}, h('a', { href: '/resources.atom' }, t('footer.resources_feed'))),
    ),
  );
}

function isCurrent(itemPath, path) {
  if (itemPath === '/') return path === '/';
  return path === itemPath || path.startsWith(`${itemPath}/`) || (itemPath === '/agenda' && path.startsWith('/evenements')) || (itemPath === '/ressources' && path.startsWith('/ressources')) || (itemPath === '/annuaire' && path.startsWith('/contacts'));
}

async function signOut() {
  await session.signOut();
  notice = t('session.signed_out');
  drawShell();
  router.go('/');
}

/** Draws the current view. Only the latest call draws: a slow answer never covers a newer view. */
export async function draw({ keepFocus = true } = {}) {
  const ticket = ++drawn;
  const { path, query } = router.current();
  const samePage = path === lastPath;
  const focusedId = samePage && keepFocus ? document.activeElement?.id : null;

  if (session.mustChangePassword() && path !== '/mot-de-passe') {
    router.go('/mot-de-passe', {}, { replace: true });
    return;
  }
  const found = router.match(ROUTES, path);
  drawShell();
  if (!found) {
    show(ticket, h('div', {}, h('h1', { tabindex: '-1' }, t('notfound.title')), h('p', {}, t('notfound.text')), h('p', {}, h('a', { href: router.href('/') }, t('nav.home')))), path, null);
    return;
  }
  const { route, params } = found;
  if (route.auth && !session.signedIn()) {
    notice = t('session.sign_in_first');
    router.go('/connexion', { retour: window.location.hash.slice(1) }, { replace: true });
    return;
  }
  if ((route.auth === 'editor' && !session.isEditor()) || (route.auth === 'admin' && !session.isAdmin())) {
    show(ticket, h('div', {}, h('h1', { tabindex: '-1' }, t('forbidden.title')), forbidden(t(route.auth === 'admin' ? 'forbidden.admin' : 'forbidden.editor'))), path, null);
    return;
  }
  main.setAttribute('aria-busy', 'true');
  if (!samePage) {
    main.replaceChildren(loading());
  }
  const message = notice;
  notice = null;
  const ctx = { params, query, path, notice: message, redraw: () => draw({ keepFocus: false }) };
  let content;
  try {
    content = await route.page.render(ctx);
  } catch (err) {
    if (ticket !== drawn) return;
    // A failed request is said on the page; anything else is a bug worth the console's log.
    if (!(err instanceof ApiError)) console.error(err);
    content = h('div', {}, h('h1', { tabindex: '-1' }, t(route.title || 'failure.page')), failure(err, { what: t(route.title || 'failure.page'), retry: () => draw({ keepFocus: false }) }));
  }
  show(ticket, content, path, focusedId);
}

function show(ticket, content, path, focusedId) {
  if (ticket !== drawn) return;
  main.replaceChildren(content);
  main.removeAttribute('aria-busy');
  // Which drawing this is: a new view can be told from the one it replaced.
  main.dataset.drawn = String(ticket);
  const heading = main.querySelector('h1');
  heading?.setAttribute('tabindex', '-1');
  document.title = heading ? `${heading.textContent} — Passerelle` : 'Passerelle';
  const samePage = path === lastPath;
  const again = focusedId ? document.getElementById(focusedId) : null;
  const firstView = lastPath === null;
  lastPath = path;
  if (firstView) {
    // The page just loaded: the reader starts at its top (the skip link, the menu).
    return;
  }
  if (again) {
    again.focus();
  } else if (!samePage || !focusedId) {
    // A new view: the reader starts at its title (and hears it).
    (heading || main).focus({ preventScroll: false });
    if (!samePage) window.scrollTo(0, 0);
  }
}
