// An agency admin's section of the home: the people of the agency and their passkeys
// (revoke; a recovery link for someone with none), the agency's passkey policy, and the
// high-value actions waiting for a second admin. Text only, never HTML.

import { request } from './api.js';
import { $, h, when } from './dom.js';

let shownPeople = '';

export async function renderAdmin(me, { act, notify, refresh }) {
  await renderApprovals(act, notify);
  await renderPolicy();
  const people = await request('GET', '/admin/users');
  // The home re-renders after every sync: rebuild the list only when it changed, so a
  // choice half made in it (how a person's identity was checked) is not thrown away.
  const shown = JSON.stringify(people.items);
  if (shownPeople === shown && $('people').childElementCount) return;
  shownPeople = shown;
  $('people').replaceChildren(...people.items.flatMap((person) => {
    const live = person.passkeys.filter((k) => !k.revoked_at);
    if (!live.length && person.status === 'active' && person.id !== me.user.id) return [recoveryItem(person, act, notify)];
    return live.map((key) => h('li', {},
      `${person.name} · ${key.name} `,
      h('button', { type: 'button', class: 'danger small', onclick: act(async () => {
        await request('POST', `/admin/passkeys/${key.id}/revoke`);
        notify(`Revoked ${person.name}'s passkey "${key.name}".`);
        await refresh();
      }) }, 'Revoke')));
  }));
}

export function bindAdmin({ act, notify }) {
  $('device-bound').addEventListener('change', act(async () => {
    await request('POST', '/admin/agency/passkey-policy', { device_bound_only: $('device-bound').checked });
    notify($('device-bound').checked ? 'From now on only device-bound passkeys are accepted.' : 'Synced passkeys are accepted again.');
    await renderPolicy();
  }));
}

async function renderPolicy() {
  const agency = await request('GET', '/admin/agency');
  $('device-bound').checked = agency.device_bound_only;
  $('synced-count').textContent = agency.device_bound_only && agency.live_synced_passkeys
    ? `${agency.live_synced_passkeys} synced passkey(s) are still live: revoke them below.`
    : '';
}

// High-value actions another admin asked for: this admin approves or refuses them.
async function renderApprovals(act, notify) {
  const { items } = await request('GET', '/admin/approvals');
  const waiting = items.filter((a) => a.status === 'pending');
  const words = { inbox_grant: 'Invitation with inbox access', kek_rotation: 'Key-encryption key rotation', retention_erase: 'Erasure of records', subject_export: "Export of a child's records" };
  $('approvals').replaceChildren(...(waiting.length ? waiting.map((a) => h('li', {},
    `${words[a.action] || a.action} · asked ${when(a.requested_at)}${a.yours ? ' · asked by you: another admin decides' : ''} `,
    a.yours ? '' : h('button', { type: 'button', class: 'small', onclick: act(async () => {
      await request('POST', `/admin/approvals/${a.id}/approve`);
      notify('Approved.');
      await renderApprovals(act, notify);
    }) }, 'Approve'),
    a.yours ? '' : h('button', { type: 'button', class: 'danger small', onclick: act(async () => {
      await request('POST', `/admin/approvals/${a.id}/reject`);
      notify('Refused.');
      await renderApprovals(act, notify);
    }) }, 'Refuse'))) : [h('li', {}, 'Nothing is waiting.')]));
}

// Someone whose passkeys are all revoked gets back in only with a ticket, issued after the
// admin has checked who is asking (and says how).
function recoveryItem(person, act, notify) {
  const check = h('select', { 'aria-label': `How you confirmed it is ${person.name}` },
    h('option', { value: '' }, 'How did you confirm who is asking?'),
    h('option', { value: 'line_manager_in_person' }, 'Line manager, in person'),
    h('option', { value: 'line_manager_video_call' }, 'Line manager, on a video call'),
    h('option', { value: 'photo_id_in_person' }, 'Photo ID, in person'));
  const ticket = h('output', { class: 'ticket' });
  return h('li', { class: 'recovery' }, `${person.name} · no live passkey `, check,
    h('button', { type: 'button', class: 'small', onclick: act(async () => {
      if (!check.value) throw new Error('Say how you confirmed who is asking first.');
      const issued = await request('POST', `/admin/users/${person.id}/recovery`, { identity_check: check.value });
      ticket.textContent = issued.url;
      notify(`Recovery link for ${person.name} (give it to them in person; it works once, for 24 hours): ${issued.url}`);
    }) }, 'Issue recovery link'), ticket);
}

