// The page: who is signed in, which view shows, and when the outbox syncs. Data is
// rendered as text only, never as HTML. The app starts locked (no key in memory) and is
// unlocked only by the passkey: signing in with signal, or its PRF output alone without.

import { ApiError, WIPE_CODES, onStepUp, request } from './api.js';
import { MESSAGES, NO_PRF, OPENED_OFFLINE, act, explain, notify } from './notices.js';
import * as db from './db.js';
import { showChallenges } from './challenges.js';
import { showDashboard } from './dashboard.js';
import { $ } from './dom.js';
import * as drafts from './drafts.js';
import { isOwn, renderConcerns, sendState } from './home.js';
import * as inbox from './inbox.js';
import { showMatches } from './matches.js';
import * as missing from './missing.js';
import { newItem } from './outbox.js';
import { bindAccount, renderAccount } from './account.js';
import { inviteLink, optionsFor, paintEnrol } from './enrol.js';
import { droppedDrafts, openOffline, paintLock, rememberPrf, watchIdle } from './lock.js';
import { createPasskey, usePasskey } from './passkey.js';
import * as record from './record.js';
import * as suspicions from './suspicion.js';
import * as profiles from './profile-page.js';
import { proveAndSeal, refreshSealingKeys } from './seal.js';
import { registerServiceWorker } from './update.js';
import { summaryOf } from './concern.js';
import { askForBackgroundSync, syncOutbox } from './sync.js';
import * as vault from './vault.js';
import { ROLES, label } from './vocab.js';
import { wipeLocalData } from './wipe.js';
import { keepViewsFresh } from './refresh.js';
import { current, isRecorder, paintInboxes, paintLeads, paintNeeds, paintOffline, paintSwitch } from './work.js';

const VIEWS = ['loading', 'signin', 'enrol', 'home', 'record', 'inboxes', 'matches', 'inbox', 'concern', 'chronology', 'alerts', 'network', 'dashboard', 'suspicion', 'suspicions', 'challenges', 'profiles', 'profile', 'episodes', 'child-missing', 'return'];

let profile = null; // set only while unlocked
let session = false; // true only once the server has answered for a session on this page
let retryTimer = null;
const knownNow = new Map(); // "already known" answers, for a phone that cannot keep them

function show(view) {
  for (const v of VIEWS) $(`view-${v}`).hidden = v !== view;
  document.body.dataset.view = view;
}

const inviteToken = () => (inviteLink() || {}).token || null;

function setOnline() {
  $('net').hidden = navigator.onLine;
  // What the lock screen offers depends on signal (no offline unlock without PRF).
  if (document.body.dataset.view === 'signin') paintLock().catch(() => null);
}

// The profile, for an offline unlock: sealed to the vault, so only the passkey shows it.
async function remember(me) {
  profile = { user: me.user, agency: me.agency, roles: me.roles, inboxes: me.inboxes, front_door: Boolean(me.front_door), profile_reader: Boolean(me.profile_reader) };
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
  const told = passkey.prf ? await droppedDrafts() : NO_PRF;
  await route();
  // After the view, which may clear it; an empty one never clears what an action said since.
  if (told) notify(told);
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
  await profiles.saveDraft().catch(() => null);
  vault.lock();
  profile = null;
  // Why, as a code in this history entry's state (no storage): said after the reload.
  if (reason) history.replaceState({ locked: reason }, '');
  location.reload();
}

async function showLock() {
  profile = null;
  chrome(false);
  await paintLock();
  show('signin');
}

/** The name, the links and Sign out show only while someone is signed in. */
function chrome(on) {
  for (const id of ['who', 'nav', 'signout']) $(id).hidden = !on;
}

function renderProfile(me) {
  $('who').textContent = `${me.user.name} · ${me.agency.name}`;
  chrome(true);
  paintNeeds(me);
}

// The work the home lands on (work.js): inboxes and alerts need signal and a session.
async function renderWork(work = current(profile)) {
  if (work === 'mine') {
    await renderConcerns({ online: navigator.onLine, onFix: act(fix), onDiscard: act(discardRejected), knownNow, notify });
    return;
  }
  if (!work) return;
  if (!session || !navigator.onLine) paintOffline(work);
  else await (work === 'leads' ? paintLeads(profile) : paintInboxes(profile));
}

async function renderHome() {
  $('agency').textContent = profile.agency.name;
  $('roles').textContent = profile.roles.map((r) => label(ROLES, r)).join(', ');
  $('inbox-names').textContent = profile.inboxes.map((i) => i.name).join(', ') || 'none';
  $('draft-key').textContent = drafts.kept() ? 'your passkey (PRF), while the app is unlocked' : 'not kept: this passkey offers no PRF';
  $('push').hidden = !((profile.inboxes.length || isRecorder(profile)) && 'PushManager' in window);
  paintSwitch(profile, act((work) => renderWork(work)));
  await renderWork();
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

// A suspicion goes the same way: proven, sealed, queued; its summary says what it is.
async function sealConcern(concern, draft = {}, summary = summaryOf(concern)) {
  const jwe = await proveAndSeal(concern);
  const { recorded_at: recordedAt, ...details } = summary;
  // The recorder's own label for the card: sealed to this phone's vault, never sent.
  const own = String(draft.state?.['local.label'] || '').trim().slice(0, 40);
  const sealed = await vault.seal(own ? { ...details, label: own } : details, `details:${concern.client_id}`);
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
    if (document.body.dataset.view === 'home' && profile && current(profile) === 'mine') await renderWork().catch(() => null);
    if (document.body.dataset.view === 'profiles' && profile) await profiles.showList().catch(() => null);
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

// Who reads an opened concern: its recorder or not; a missing child's profile beside it or not.
const reader = (me) => ({ userId: me.user.id, profiles: me.profile_reader || me.agency.kind === 'care_home' });

async function route() {
  const hash = location.hash.replace(/^#\/?/, '');
  const [name, a, b] = hash.split('/');
  renderProfile(profile);
  window.scrollTo(0, 0);
  switch (name) {
    case 'record':
      if (!isRecorder(profile)) { location.hash = '#/'; return; }
      notify('');
      show('record');
      await record.open(profile);
      break;
    case 'inboxes': show('inboxes'); await inbox.showInboxes({ frontDoor: profile.front_door }); break;
    case 'matches': show('matches'); await showMatches(notify); break;
    case 'inbox': show('inbox'); await inbox.showInbox(a); break;
    case 'concern': show('concern'); inbox.showConcern(a, b, notify, reader(profile)); break;
    // From a home card: one's own concern, its purpose chosen only if it is one's own.
    case 'mine': show('concern'); inbox.showConcern(a, null, notify, { ...reader(profile), own: await isOwn(a) }); break;
    case 'chronology': show('chronology'); await inbox.showChronology(a); break;
    case 'alerts': show('alerts'); await inbox.showAlerts(); break;
    case 'network': show('network'); await inbox.showNetwork(a); break;
    case 'dashboard': show('dashboard'); await showDashboard(); break;
    case 'suspicion': show('suspicion'); suspicions.open(); break;
    case 'suspicions': show('suspicions'); await suspicions.showSuspicions(notify); break;
    case 'challenges': show('challenges'); await showChallenges(notify); break;
    case 'profiles': show('profiles'); await profiles.showList(); break;
    case 'profile': show('profile'); await profiles.open(a || 'new'); break;
    case 'episodes': case 'missing': case 'return': await missing.route(name, a, show); break;
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
  if (reason) { history.replaceState(null, ''); notify(MESSAGES[reason] || ''); }
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
const sealSuspicion = (s) => sealConcern(s, {}, { recorded_at: s.recorded_at, kind: 'suspicion', level: s.level });
suspicions.setup({ seal: sealSuspicion, error: (e) => notify(explain(e)) });
missing.setup({ seal: sealConcern, error: (e) => notify(explain(e)) });
// What is on screen, read again (on a push notice, on return, every little while); never an
// opened concern (each read of one is audited) and never a form being filled in.
const refreshNow = keepViewsFresh({
  home: () => renderWork(),
  inboxes: () => inbox.showInboxes({ frontDoor: profile.front_door }),
  inbox: inbox.refreshInbox,
  alerts: inbox.showAlerts,
}, () => Boolean(profile && session && navigator.onLine));

profiles.setup({ queued: () => askForBackgroundSync().then(() => sync()), notify, home: () => (profile ? profile.agency.name : '') });
registerServiceWorker({
  beforeReload: () => Promise.all([record.saveDraft(), profiles.saveDraft()]),
  onMessage: (message) => {
    const view = document.body.dataset.view;
    if (message.type === 'push') refreshNow();
    if (message.type === 'outbox-changed' && view === 'home' && profile) renderHome();
    if (message.type === 'outbox-changed' && view === 'signin') paintLock();
    if (message.type === 'wiped') window.dispatchEvent(new CustomEvent('frontline:signed-out', { detail: new ApiError(401, { code: 'device.revoked' }) }));
  },
});
start();
