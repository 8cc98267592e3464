// An agency admin's section of the home: the people of the agency and their passkeys
// (revoke; ask for a recovery for someone with none), the agency's passkey policy, and the
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

// High-value actions another admin asked for: this admin reads what each grants, in words
// (who, which agency, which roles and inboxes; for rules, what changes), and approves or
// refuses. An approved recovery's link is shown here, to this approver alone, once.
const ACTION_WORDS = {
  access_grant: 'Invitation with access to records',
  recovery: 'Account recovery',
  rules_load: 'New routing rules',
  kek_rotation: 'Key-encryption key rotation',
  retention_erase: 'Erasure of records',
  subject_export: "Export of a child's records",
};
const CHECK_WORDS = {
  line_manager_in_person: 'line manager, in person',
  line_manager_video_call: 'line manager, on a video call',
  photo_id_in_person: 'photo ID, in person',
};

function describe(a) {
  const g = a.grant || {};
  const parts = [ACTION_WORDS[a.action] || a.action];
  if (g.person) parts.push(g.person);
  if (g.agency) parts.push(g.agency);
  if (g.roles && g.roles.length) parts.push(`roles: ${g.roles.join(', ')}`);
  if (g.inboxes && g.inboxes.length) parts.push(`inboxes: ${g.inboxes.join(', ')}`);
  if (g.identity_check) parts.push(`identity confirmed by ${CHECK_WORDS[g.identity_check] || g.identity_check}`);
  if (a.rules) {
    const r = a.rules;
    parts.push(`"${r.label || ''}" replacing version ${r.replaces ?? 'none'}`);
    for (const [word, ids] of [['adds', r.added], ['removes', r.removed], ['changes', r.changed]]) {
      if (ids.length) parts.push(`${word} ${ids.join(', ')}`);
    }
  }
  parts.push(`asked by ${a.yours ? 'you' : a.asked_by || 'an admin'} ${when(a.requested_at)}`);
  return parts.join(' · ');
}

async function renderApprovals(act, notify) {
  const { items } = await request('GET', '/admin/approvals');
  const waiting = items.filter((a) => a.status === 'pending');
  $('approvals').replaceChildren(...(waiting.length ? waiting.map((a) => h('li', {},
    `${describe(a)}${a.yours ? ' · asked by you: another admin decides' : ''} `,
    a.rules ? h('details', {}, h('summary', {}, 'What changes'), h('pre', {}, a.rules.diff.join('\n'))) : '',
    a.yours ? '' : h('button', { type: 'button', class: 'small', onclick: act(async () => {
      const decided = await request('POST', `/admin/approvals/${a.id}/approve`);
      if (decided.ticket) {
        notify(`Recovery link for ${a.grant.person} (give it to them in person; it works once, for 24 hours; it is not shown again): ${decided.ticket.url}`);
      } else {
        notify('Approved.');
      }
      await renderApprovals(act, notify);
    }) }, 'Approve'),
    a.yours ? '' : h('button', { type: 'button', class: 'danger small', onclick: act(async () => {
      await request('POST', `/admin/approvals/${a.id}/reject`);
      notify('Refused.');
      await renderApprovals(act, notify);
    }) }, 'Refuse'))) : [h('li', {}, 'Nothing is waiting.')]));
}

// Someone whose passkeys are all revoked gets back in only with a ticket. This admin, having
// checked who is asking (and saying how), asks for one; a second admin approves and is
// given the link to hand over. The asker never sees it.
function recoveryItem(person, act, notify) {
  const check = h('select', { 'aria-label': `How you confirmed it is ${person.name}` },
    h('option', { value: '' }, 'How did you confirm who is asking?'),
    ...Object.entries(CHECK_WORDS).map(([value, words]) => h('option', { value }, words[0].toUpperCase() + words.slice(1))));
  return h('li', { class: 'recovery' }, `${person.name} · no live passkey `, check,
    h('button', { type: 'button', class: 'small', onclick: act(async () => {
      if (!check.value) throw new Error('Say how you confirmed who is asking first.');
      await request('POST', `/admin/users/${person.id}/recovery`, { identity_check: check.value });
      notify(`Recovery asked for ${person.name}: a second admin approves it and hands them the link.`);
      await renderApprovals(act, notify);
    }) }, 'Ask for a recovery link'));
}
