// "You and this device": the person's passkeys, where they are signed in, the notices
// about their account, Web Push for this device, and, for an agency admin, the admin
// section. Rendered as text only. The page hands over how it acts and tells the person.

import { request } from './api.js';
import { bindAdmin, renderAdmin } from './admin.js';
import { $, h, when } from './dom.js';
import { createPasskey } from './passkey.js';

let page = null; // { act, notify } from the page

export async function renderAccount() {
  const me = await request('GET', '/me');
  $('passkeys').replaceChildren(...me.passkeys.filter((p) => !p.revoked_at).map((p) => h('li', {},
    `${p.name}${p.current ? ' (this session)' : ''}${p.multi_device ? ' · synced' : ' · this device only'} · last used ${when(p.last_used_at) || 'never'} `,
    h('button', { type: 'button', class: 'danger small', onclick: page.act(async () => {
      await request('POST', `/me/passkeys/${p.id}/revoke`);
      await renderAccount();
    }) }, 'Revoke'))));
  await renderSessions();
  await renderNotices();
  $('admin').hidden = !me.roles.includes('agency_admin');
  if ($('admin').hidden) return;
  await renderAdmin(me, { ...page, refresh: renderAccount });
}

async function renderNotices() {
  const unread = (await request('GET', '/me/notices')).notices.filter((n) => !n.read);
  $('notice-list').replaceChildren(...unread.map((n) => h('li', {},
    `${when(n.at)}${n.passkey ? ` · ${n.passkey}` : ''}: ${n.text}`)));
  $('security-notices').hidden = !unread.length;
}

async function renderSessions() {
  const { sessions } = await request('GET', '/me/sessions');
  $('sessions').replaceChildren(...sessions.map((s) => h('li', {},
    `${s.current ? 'This session' : 'Signed in'} with ${s.passkey.name} · since ${when(s.created_at)} · last active ${when(s.last_seen_at)} `,
    s.current ? '' : h('button', { type: 'button', class: 'danger small', onclick: page.act(async () => {
      await request('POST', `/me/sessions/${s.id}/end`);
      await renderSessions();
    }) }, 'End'))));
  $('end-others').hidden = sessions.length < 2;
}

export function bindAccount({ act, notify }) {
  page = { act, notify };
  bindAdmin(page);
  $('add-passkey').addEventListener('click', act(async () => {
    const passkey = await createPasskey(await request('POST', '/me/passkeys/begin'));
    await request('POST', '/me/passkeys/finish', { credential: passkey.json, name: 'Backup passkey' });
    await renderAccount();
    notify('Backup passkey added. If a device of yours is lost, revoke its passkey or sign out everywhere else.');
  }));

  $('notices-read').addEventListener('click', act(async () => {
    await request('POST', '/me/notices/read');
    await renderNotices();
  }));

  $('end-others').addEventListener('click', act(async () => {
    const { ended } = await request('POST', '/me/sessions/end-others');
    notify(`Signed out of ${ended} other session${ended === 1 ? '' : 's'}.`);
    await renderSessions();
  }));

  $('push').addEventListener('click', act(async () => {
    const { public_key: key } = await request('GET', '/push/key');
    const registration = await navigator.serviceWorker.ready;
    const subscription = await registration.pushManager.subscribe({ userVisibleOnly: true, applicationServerKey: key });
    await request('POST', '/me/push', subscription.toJSON());
    notify('This device will be notified of new referrals (no details are sent in the notice).');
  }));
}
