// The page: who is signed in, which view shows, and when the outbox syncs. Data is
// rendered as text only, never as HTML. The app starts locked (no key in memory) and is
// unlocked only by the passkey: signing in with signal, or its PRF output alone without.

import { ApiError, WIPE_CODES, onStepUp, request } from './api.js';
import * as db from './db.js';
import { showDashboard } from './dashboard.js';
import { $ } from './dom.js';
import * as drafts from './drafts.js';
import { isOwn, renderConcerns, sendState } from './home.js';
import * as inbox from './inbox.js';
import { showMatches } from './matches.js';
import { newItem } from './outbox.js';
import { bindAccount, renderAccount } from './account.js';
import { inviteLink, optionsFor, paintEnrol } from './enrol.js';
import { IDLE_MS, droppedDrafts, openOffline, paintLock, rememberPrf, watchIdle } from './lock.js';
import { createPasskey, usePasskey } from './passkey.js';
import * as record from './record.js';
import { proveAndSeal, refreshSealingKeys } from './seal.js';
import { registerServiceWorker } from './update.js';
import { summaryOf } from './concern.js';
import { askForBackgroundSync, syncOutbox } from './sync.js';
import * as vault from './vault.js';
import { ROLES, label } from './vocab.js';
import { wipeLocalData } from './wipe.js';

const VIEWS = ['loading', 'signin', 'enrol', 'home', 'record', 'inboxes', 'matches', 'inbox', 'concern', 'chronology', 'alerts', 'network', 'dashboard'];
const MESSAGES = {
  'device.revoked': "This device's passkey was revoked. Its local data has been wiped.",
  'session.expired': 'Your session timed out. Sign in again.',
  'session.ended_elsewhere': 'This session was ended from another of your devices. Sign in again; anything not yet sent is kept.',
  'user.disabled': 'This account is disabled.',
  'invite.used': 'This invitation was used already. Sign in instead, or ask for a new one.',
  'invite.expired': 'This invitation has expired. Ask your admin for a new one.',
  'invite.withdrawn': 'This invitation was withdrawn.',
  'invite.unknown': 'This invitation link is not valid.',
  'forbidden.role': 'Your role does not allow this.',
  idle: `Locked after ${IDLE_MS / 60_000} minutes without use. Unlock with your passkey.`,
};
const OPENED_OFFLINE = 'Opened without signal. You are not signed in: sealed concerns are sent once you sign in with signal.';
const NO_PRF = 'Your passkey cannot protect drafts on this phone, so unfinished concerns are not kept: seal each one before you put the phone away.';

let profile = null; // set only while unlocked
let session = false; // true only once the server has answered for a session on this page
let retryTimer = null;
const knownNow = new Map(); // "already known" answers, for a phone that cannot keep them

function show(view) {
  for (const v of VIEWS) $(`view-${v}`).hidden = v !== view;
  document.body.dataset.view = view;
}

export function notify(text) {
  const message = typeof text === 'string' ? text : explain(text);
  $('notice').textContent = message || '';
  $('notice').hidden = !message;
}

function explain(error) {
  if (error instanceof ApiError) return MESSAGES[error.code] || error.message;
  if (error && error.name === 'NotAllowedError') return 'The passkey request was cancelled.';
  if (error instanceof TypeError) return 'No connection. It will be done when the signal returns.';
  return (error && error.message) || 'Something went wrong. Try again.';
}

const act = (fn) => async (...args) => {
  try {
    await fn(...args);
  } catch (error) {
    notify(explain(error));
  }
};

const inviteToken = () => (inviteLink() || {}).token || null;

function setOnline() {
  $('net').hidden = navigator.onLine;
  // What the lock screen offers depends on signal (no offline unlock without PRF).
  if (document.body.dataset.view === 'signin') paintLock().catch(() => null);
}

// The profile, for an offline unlock: sealed to the vault, so only the passkey shows it.
async function remember(me) {
  profile = { user: me.user, agency: me.agency, roles: me.roles, inboxes: me.inboxes };
  await db.put('meta', await vault.seal(profile, 'profile'), 'profile');
}

async function signedIn(me, passkey) {
  session = true;
  await db.put('meta', passkey.id, 'credential_id');
  await rememberPrf(passkey.prf);
  if (passkey.prf) await vault.unlock(passkey.prf, passkey.id, { replace: true });
  else vault.lock();
  await remember(me);
  await refreshSealingKeys().catch(() => null);
  notify('');
  await route();
  notify(passkey.prf ? await droppedDrafts() : NO_PRF); // after the view, which may clear it
  sync();
}

// Without signal: no session is assumed; nothing is sent until the person signs in.
async function unlockOffline() {
  profile = await openOffline();
  notify(OPENED_OFFLINE);
  await route();
}

// Lock: save the draft, forget the keys, and reload, so no view, variable or form keeps
// anything it showed (a phone picked up from a table shows the lock screen only).
async function lockNow(reason) {
  if (!profile) return;
  await record.saveDraft().catch(() => null);
  vault.lock();
  profile = null;
  // Why, as a code in this history entry's state (no storage): said after the reload.
  if (reason) history.replaceState({ locked: reason }, '');
  location.reload();
}

async function showLock() {
  profile = null;
  $('who').hidden = true;
  $('nav').hidden = true;
  await paintLock();
  show('signin');
}

function renderProfile(me) {
  $('who').textContent = `${me.user.name} · ${me.agency.name}`;
  $('who').hidden = false;
  $('nav').hidden = false;
  const lead = me.roles.includes('partnership_lead');
  const member = me.inboxes.length > 0 || lead;
  for (const link of document.querySelectorAll('[data-needs]')) {
    link.hidden = link.dataset.needs === 'leads' ? !lead : !member;
  }
}

async function renderHome() {
  $('agency').textContent = profile.agency.name;
  $('roles').textContent = profile.roles.map((r) => label(ROLES, r)).join(', ');
  $('inbox-names').textContent = profile.inboxes.map((i) => i.name).join(', ') || 'none';
  $('draft-key').textContent = drafts.kept() ? 'your passkey (PRF), while the app is unlocked' : 'not kept: this passkey offers no PRF';
  $('push').hidden = !(profile.inboxes.length && 'PushManager' in window);
  await renderConcerns({ online: navigator.onLine, onFix: act(fix), onDiscard: act(discardRejected), knownNow });
  if (session && navigator.onLine) await renderAccount().catch(() => null);
}

async function fix(item) {
  if (!(await record.reopen(item.client_id))) {
    notify('This concern was sealed before it could be kept for fixing; record it again.');
    return;
  }
  location.hash = '#/record';
}

// A rejected concern the recorder gives up on. The server keeps its receipt and reason.
async function discardRejected(item) {
  if (!window.confirm('Discard this concern from the phone? It was not accepted and cannot be recovered here.')) return;
  await db.remove('outbox', item.client_id);
  await drafts.discard(item.client_id);
  await renderHome();
}

async function sealConcern(concern, draft) {
  const jwe = await proveAndSeal(concern);
  const { recorded_at: recordedAt, ...details } = summaryOf(concern);
  const sealed = await vault.seal(details, `details:${concern.client_id}`);
  await db.put('outbox', newItem({ clientId: concern.client_id, jwe, recordedAt, details: sealed, now: Date.now() }));
  if (draft.replaces) {
    await db.remove('outbox', draft.replaces);
    await drafts.discard(draft.replaces);
  }
  if (!session) notify('Sealed. It will be sent once you sign in with signal.');
  else notify(navigator.onLine ? 'Sealed. Sending…' : 'Sealed. It will be sent when there is signal.');
  await askForBackgroundSync();
  sync();
}

// Send what is due; on failure try again later (backoff lives in the outbox). Only with a
// session the server vouched for on this page; locked or not, for envelopes are sealed.
async function sync(force = false) {
  clearTimeout(retryTimer);
  if (!session) return;
  if (!navigator.onLine) {
    // Certainly no network: wait for `online` or Background Sync rather than spend battery.
    $('sync-state').textContent = 'Offline: will send when there is signal';
    return;
  }
  $('sync-state').textContent = 'Sending…';
  try {
    const result = await syncOutbox({ force });
    for (const { client_id: id, known } of result.known) knownNow.set(id, known);
    if (result.stop) return;
    for (const sent of await db.all('sent')) await drafts.discard(sent.client_id).catch(() => null);
    const outbox = await db.all('outbox');
    const waiting = outbox.filter((i) => i.state === 'waiting');
    const forServer = waiting.filter((i) => i.waiting_for === 'server').length;
    $('sync-state').textContent = await sendState(waiting.length, outbox.length - waiting.length, forServer);
    // Whoever sent it (this page or the worker's Background Sync), the notice is done.
    if (!waiting.length && /^Sealed/.test($('notice').textContent)) notify('');
    if (waiting.length) {
      const next = Math.max(1_000, Math.min(...waiting.map((i) => i.next_at)) - Date.now());
      retryTimer = setTimeout(() => sync(), next);
    }
  } finally {
    if (document.body.dataset.view === 'home' && profile) await renderHome().catch(() => null);
    if (document.body.dataset.view === 'signin') await paintLock().catch(() => null);
  }
}

// A locked page asks whether the server still holds a session (and learns of a revoked
// device, which wipes); with one, sealed envelopes go. It renders nothing of the person's.
async function probeSession() {
  try {
    await request('GET', '/me');
    session = true;
    // Opened offline, the page now has the server's session: the notice is no longer true.
    if ($('notice').textContent === OPENED_OFFLINE) notify('');
    sync(true);
  } catch (error) {
    session = false;
    if (error instanceof ApiError && error.status !== 401) notify(explain(error));
  }
}

async function route() {
  const hash = location.hash.replace(/^#\/?/, '');
  const [name, a, b] = hash.split('/');
  renderProfile(profile);
  window.scrollTo(0, 0);
  switch (name) {
    case 'record':
      notify('');
      show('record');
      await record.open(profile);
      break;
    case 'inboxes': show('inboxes'); await inbox.showInboxes(); break;
    case 'matches': show('matches'); await showMatches(notify); break;
    case 'inbox': show('inbox'); await inbox.showInbox(a); break;
    case 'concern': show('concern'); inbox.showConcern(a, b, notify, { userId: profile.user.id }); break;
    // From a home card: one's own concern, its purpose chosen only if it is one's own.
    case 'mine': show('concern'); inbox.showConcern(a, null, notify, { own: await isOwn(a), userId: profile.user.id }); break;
    case 'chronology': show('chronology'); await inbox.showChronology(a); break;
    case 'alerts': show('alerts'); await inbox.showAlerts(); break;
    case 'network': show('network'); await inbox.showNetwork(a); break;
    case 'dashboard': show('dashboard'); await showDashboard(); break;
    default: show('home'); await renderHome();
  }
  $('main').focus({ preventScroll: true });
  document.dispatchEvent(new CustomEvent('frontline:ready', { detail: { view: document.body.dataset.view } }));
}

// Every start is locked: no key survives closing the app, whatever the session's state.
async function start() {
  setOnline();
  if (inviteLink()) {
    show('enrol');
    await paintEnrol(inviteLink(), explain);
    return;
  }
  const reason = history.state && history.state.locked;
  if (reason) {
    history.replaceState(null, '');
    notify(MESSAGES[reason] || '');
  }
  await showLock();
  if (navigator.onLine) await probeSession();
}

// No session: the lock screen (an offline unlock ends too, once the server says so).
window.addEventListener('frontline:signed-out', async (event) => {
  const error = event.detail;
  session = false;
  if (WIPE_CODES.has(error.code)) {
    vault.lock();
    profile = null;
    await wipeLocalData();
  }
  if (profile) {
    await lockNow(error.code);
    return;
  }
  if (error.code !== 'auth.required') notify(explain(error));
  await showLock();
});
window.addEventListener('online', () => {
  setOnline();
  if (session) sync(true);
  else probeSession();
});
window.addEventListener('offline', setOnline);
window.addEventListener('pageshow', (event) => { if (event.persisted) lockNow(); });
watchIdle(() => lockNow('idle'));
window.addEventListener('hashchange', act(async () => { if (profile && !inviteToken()) await route(); }));

// Unlock: with signal, sign in (a new session, the draft key from the PRF output); without,
// or if the request finds none, the passkey opens the drafts on this phone only.
$('signin').addEventListener('click', act(async () => {
  let options = null;
  if (navigator.onLine) options = await request('POST', '/auth/login/begin').catch((error) => {
    if (error instanceof TypeError) return null;
    throw error;
  });
  if (!options) {
    await unlockOffline();
    return;
  }
  const passkey = await usePasskey(options);
  await signedIn(await request('POST', '/auth/login/finish', { credential: passkey.json }), passkey);
}));

$('enrol').addEventListener('click', act(async () => {
  const invite = inviteToken();
  const passkey = await createPasskey(await optionsFor(invite));
  const name = $('passkey-name').value.trim() || 'This phone';
  const me = await request('POST', '/auth/enrol/finish', { invite, credential: passkey.json, name });
  history.replaceState(null, '', '/#/'); // the invite is spent; keep it out of history
  await signedIn(me, passkey);
}));

// Sensitive changes (a new passkey, an account, an export) need the passkey again.
onStepUp(async () => {
  notify('Confirm it is you with your passkey to go on.');
  const passkey = await usePasskey(await request('POST', '/auth/step-up/begin'));
  await request('POST', '/auth/step-up/finish', { credential: passkey.json });
  notify('');
});

bindAccount({ act, notify });

$('sync-now').addEventListener('click', act(() => sync(true)));

$('discard').addEventListener('click', act(async () => {
  if (!window.confirm('Discard this draft? It cannot be recovered.')) return;
  await record.discard();
  location.hash = '#/';
}));

$('signout').addEventListener('click', act(async () => {
  await sync(true).catch(() => null);
  const unsent = (await db.all('outbox')).length;
  if (unsent && !window.confirm(`${unsent} sealed concern(s) have not reached the server and will be lost. Sign out anyway?`)) return;
  vault.lock(); // first: nothing may be saved again, nor a lock reload cut the wipe short
  profile = null;
  await request('POST', '/auth/logout').catch(() => null);
  await wipeLocalData();
  window.dispatchEvent(new CustomEvent('frontline:signed-out', { detail: new ApiError(401, { code: 'auth.required' }) }));
}));

record.setup({ seal: sealConcern, error: (e) => notify(explain(e)) });
registerServiceWorker({
  beforeReload: () => record.saveDraft(),
  onMessage: (message) => {
    const view = document.body.dataset.view;
    if (message.type === 'outbox-changed' && view === 'home' && profile) renderHome();
    if (message.type === 'outbox-changed' && view === 'signin') paintLock();
    if (message.type === 'wiped') window.dispatchEvent(new CustomEvent('frontline:signed-out', { detail: new ApiError(401, { code: 'device.revoked' }) }));
  },
});
start();
