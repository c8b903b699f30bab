// Every view of the console: its address, its module, who may see it (`auth`: any
// signed-in account, `editor`, `admin`) and its name for failures. Every module is loaded
// with the console (about 60 KB compressed), so that moving between views needs nothing
// but the API: a view never fails for want of its code on a flaky network.

import * as homePage from './pages/home.js';
import * as signInPage from './pages/sign-in.js';
import * as passwordPage from './pages/password.js';
import * as accountPage from './pages/account.js';
import * as searchPage from './pages/search.js';
import * as agendaPage from './pages/agenda.js';
import * as editEventPage from './pages/edit-event.js';
import * as eventPage from './pages/event.js';
import * as resourcesPage from './pages/resources.js';
import * as editResourcePage from './pages/edit-resource.js';
import * as resourcePage from './pages/resource.js';
import * as contactsPage from './pages/contacts.js';
import * as editContactPage from './pages/edit-contact.js';
import * as contactPage from './pages/contact.js';
import * as organisationsPage from './pages/organisations.js';
import * as editOrganisationPage from './pages/edit-organisation.js';
import * as organisationPage from './pages/organisation.js';
import * as actionsPage from './pages/actions.js';
import * as editActionPage from './pages/edit-action.js';
import * as actionPage from './pages/action.js';
import * as importPage from './pages/import.js';
import * as feedsPage from './pages/feeds.js';
import * as feedPage from './pages/feed.js';
import * as usersPage from './pages/users.js';
import * as auditPage from './pages/audit.js';

export const ROUTES = [
  { pattern: '/', page: homePage, title: 'home.title' },
  { pattern: '/connexion', page: signInPage, title: 'signin.title' },
  { pattern: '/mot-de-passe', page: passwordPage, title: 'password.title', auth: 'signed' },
  { pattern: '/compte', page: accountPage, title: 'account.title', auth: 'signed' },
  { pattern: '/recherche', page: searchPage, title: 'search.title' },
  { pattern: '/agenda', page: agendaPage, title: 'agenda.title' },
  { pattern: '/evenements/nouveau', page: editEventPage, title: 'edit.event.create', auth: 'editor' },
  { pattern: '/evenements/:id/modifier', page: editEventPage, title: 'edit.event.update', auth: 'editor' },
  { pattern: '/evenements/:id', page: eventPage, title: 'event.title' },
  { pattern: '/ressources', page: resourcesPage, title: 'resources.title' },
  { pattern: '/ressources/nouvelle', page: editResourcePage, title: 'edit.resource.create', auth: 'editor' },
  { pattern: '/ressources/:id/modifier', page: editResourcePage, title: 'edit.resource.update', auth: 'editor' },
  { pattern: '/ressources/:id', page: resourcePage, title: 'resource.title' },
  { pattern: '/annuaire', page: contactsPage, title: 'contacts.title', auth: 'signed' },
  { pattern: '/contacts/nouveau', page: editContactPage, title: 'edit.contact.create', auth: 'editor' },
  { pattern: '/contacts/:id', page: contactPage, title: 'contact.title' },
  { pattern: '/contacts/:id/modifier', page: editContactPage, title: 'edit.contact.update', auth: 'editor' },
  { pattern: '/organisations', page: organisationsPage, title: 'organisations.title' },
  { pattern: '/organisations/nouvelle', page: editOrganisationPage, title: 'edit.organisation.create', auth: 'admin' },
  { pattern: '/organisations/:slug/modifier', page: editOrganisationPage, title: 'edit.organisation.update', auth: 'editor' },
  { pattern: '/organisations/:slug', page: organisationPage, title: 'organisation.title' },
  { pattern: '/actions', page: actionsPage, title: 'actions.title' },
  { pattern: '/actions/nouvelle', page: editActionPage, title: 'edit.action.create', auth: 'editor' },
  { pattern: '/actions/:id/modifier', page: editActionPage, title: 'edit.action.update', auth: 'editor' },
  { pattern: '/actions/:id', page: actionPage, title: 'action.title' },
  { pattern: '/import', page: importPage, title: 'import.title', auth: 'editor' },
  { pattern: '/flux', page: feedsPage, title: 'feeds.title', auth: 'signed' },
  { pattern: '/flux/:id', page: feedPage, title: 'feed.title', auth: 'signed' },
  { pattern: '/admin/comptes', page: usersPage, title: 'users.title', auth: 'admin' },
  { pattern: '/admin/journal', page: auditPage, title: 'audit.title', auth: 'admin' },
];
