// The page: which view to show, and what each button does. Data is rendered with
// textContent only, never as HTML.

import { ApiError, WIPE_CODES, request } from './api.js';
import { createPasskey, usePasskey } from './passkey.js';
import { wipeLocalData } from './wipe.js';

const $ = (id) => document.getElementById(id);
const VIEWS = ['view-loading', 'view-signin', 'view-enrol', 'view-home'];

const MESSAGES = {
  'device.revoked': "This device's passkey was revoked. Its local data has been wiped.",
  'session.expired': 'Your session timed out. Sign in again.',
  'user.disabled': 'This account is disabled.',
  'invite.used': 'This invitation was used already. Sign in instead, or ask for a new one.',
  'invite.expired': 'This invitation has expired. Ask your admin for a new one.',
  'invite.withdrawn': 'This invitation was withdrawn.',
  'invite.unknown': 'This invitation link is not valid.',
};

function show(view) {
  for (const id of VIEWS) $(id).hidden = id !== view;
}

function signedOutView() {
  $('who').textContent = '';
  $('who').hidden = true;
  show('view-signin');
}

function notify(text) {
  $('notice').textContent = text || '';
  $('notice').hidden = !text;
}

function explain(error) {
  if (error instanceof ApiError) return MESSAGES[error.code] || error.message;
  if (error && error.name === 'NotAllowedError') return 'The passkey request was cancelled.';
  return 'Something went wrong. Try again.';
}

function inviteToken() {
  const match = /(?:^|[#&])invite=([A-Za-z0-9_-]+)/.exec(location.hash);
  return match ? match[1] : null;
}

function item(text, buttonLabel, onClick) {
  const li = document.createElement('li');
  li.textContent = text;
  if (buttonLabel) {
    const button = document.createElement('button');
    button.type = 'button';
    button.className = 'danger';
    button.textContent = buttonLabel;
    button.addEventListener('click', onClick);
    li.append(button);
  }
  return li;
}

const when = (iso) => (iso ? new Date(iso).toLocaleString() : 'never');

async function renderHome(me) {
  $('who').textContent = `${me.user.name} · ${me.agency.name}`;
  $('who').hidden = false;
  $('agency').textContent = me.agency.name;
  $('roles').textContent = me.roles.join(', ');
  $('inboxes').textContent = me.inboxes.map((i) => i.name).join(', ') || 'none';
  const list = $('passkeys');
  list.replaceChildren(...me.passkeys.filter((p) => !p.revoked_at).map((p) => item(
    `${p.name}${p.current ? ' (this session)' : ''}${p.multi_device ? ' · synced' : ' · this device only'} · last used ${when(p.last_used_at)}`,
    'Revoke',
    () => act(async () => {
      await request('POST', `/me/passkeys/${p.id}/revoke`);
      await start();
    }),
  )));
  $('admin').hidden = !me.roles.includes('agency_admin');
  if (!$('admin').hidden) {
    const people = await request('GET', '/admin/users');
    const rows = [];
    for (const person of people.items) {
      for (const key of person.passkeys.filter((p) => !p.revoked_at)) {
        rows.push(item(`${person.name} · ${key.name}`, 'Revoke', () => act(async () => {
          await request('POST', `/admin/passkeys/${key.id}/revoke`);
          notify(`Revoked ${person.name}'s passkey "${key.name}".`);
          await renderHome(await request('GET', '/me'));
        })));
      }
    }
    $('people').replaceChildren(...rows);
  }
  show('view-home');
}

async function act(fn) {
  try {
    await fn();
  } catch (error) {
    notify(explain(error));
  }
}

async function start() {
  const token = inviteToken();
  if (token) {
    show('view-enrol');
    return;
  }
  try {
    await renderHome(await request('GET', '/me'));
  } catch (error) {
    if (!(error instanceof ApiError && error.status === 401)) notify(explain(error));
    signedOutView();
  }
}

window.addEventListener('frontline:signed-out', async (event) => {
  const error = event.detail;
  if (WIPE_CODES.has(error.code)) {
    await wipeLocalData();
  }
  if (error.code !== 'auth.required') notify(explain(error));
  signedOutView();
});

$('signin').addEventListener('click', () => act(async () => {
  const options = await request('POST', '/auth/login/begin');
  const credential = await usePasskey(options);
  notify('');
  await renderHome(await request('POST', '/auth/login/finish', { credential }));
}));

$('enrol').addEventListener('click', () => act(async () => {
  const invite = inviteToken();
  const options = await request('POST', '/auth/enrol/begin', { invite });
  const credential = await createPasskey(options);
  const name = $('passkey-name').value.trim() || 'This phone';
  const me = await request('POST', '/auth/enrol/finish', { invite, credential, name });
  history.replaceState(null, '', '/');  // the invite is spent; keep it out of history
  notify('');
  await renderHome(me);
}));

$('add-passkey').addEventListener('click', () => act(async () => {
  const options = await request('POST', '/me/passkeys/begin');
  const credential = await createPasskey(options);
  await request('POST', '/me/passkeys/finish', { credential, name: 'Backup passkey' });
  await renderHome(await request('GET', '/me'));
}));

$('signout').addEventListener('click', () => act(async () => {
  await request('POST', '/auth/logout');
  await wipeLocalData();
  signedOutView();
}));

start();
