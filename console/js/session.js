// Who is signed in: the account (`me`), its role and organisation, and the sign-in,
// password change and sign-out that change it.

import { gql } from './api.js';
import * as tokens from './token.js';

let user = null;
/** The password typed at a sign-in that must change it: asked again only after a reload. */
let temporaryPassword = null;

const ME = 'query Me { me { id email displayName role mustChangePassword lastLoginAt createdAt } }';
const ME_ORGANISATION = 'query MyOrganisation { me { organisation { id slug name } } }';

/** The signed-in account, or `null`. */
export function current() {
  return user;
}

export function signedIn() {
  return user !== null;
}

export function mustChangePassword() {
  return user?.mustChangePassword === true;
}

export function isAdmin() {
  return user?.role === 'ADMIN' && !user.mustChangePassword;
}

export function isEditor() {
  return (user?.role === 'EDITOR' || user?.role === 'ADMIN') && !user.mustChangePassword;
}

/** Whether the account may write the records of organisation `organisationId`. */
export function canEdit(organisationId) {
  if (isAdmin()) return true;
  return isEditor() && !!organisationId && user.organisation?.id === organisationId;
}

/** Reads the account of the stored token (none: anonymous). A refused token is forgotten. */
export async function load() {
  user = null;
  if (!tokens.token()) return null;
  try {
    const data = await gql(ME);
    user = data.me ? { ...data.me, organisation: null } : null;
    if (user && !user.mustChangePassword) {
      const more = await gql(ME_ORGANISATION);
      user.organisation = more.me?.organisation ?? null;
    }
  } catch (err) {
    if (err?.has?.('UNAUTHENTICATED')) {
      tokens.clear();
      user = null;
      return null;
    }
    throw err;
  }
  return user;
}

/** Signs in; resolves to the account (its `mustChangePassword` says what comes next). */
export async function signIn(email, password) {
  const data = await gql(
    'mutation SignIn($email: String!, $password: String!) { login(email: $email, password: $password) { token expiresAt mustChangePassword } }',
    { email, password },
  );
  tokens.save(data.login.token, data.login.expiresAt);
  temporaryPassword = data.login.mustChangePassword ? password : null;
  return load();
}

/** The temporary password just typed, when the account must change it. */
export function knownTemporaryPassword() {
  return temporaryPassword;
}

/** Replaces the password; the session stays, the account's other sessions end. */
export async function changePassword(currentPassword, newPassword) {
  await gql(
    'mutation ChangePassword($current: String!, $next: String!) { changePassword(currentPassword: $current, newPassword: $next) { user { id mustChangePassword } } }',
    { current: currentPassword, next: newPassword },
  );
  temporaryPassword = null;
  return load();
}

/** Ends the session on the hub (when it can be reached) and in this tab. */
export async function signOut() {
  try {
    if (tokens.token()) await gql('mutation SignOut { logout { ok } }');
  } catch {
    // The token is forgotten below whatever the hub said: the tab is signed out.
  }
  tokens.clear();
  user = null;
  temporaryPassword = null;
}

/** Forgets a session the hub refused (expired, revoked). */
export function forget() {
  tokens.clear();
  user = null;
  temporaryPassword = null;
}
