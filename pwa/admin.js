// An agency admin's section of the home: the people they govern and their passkeys
// (revoke; ask for a recovery for someone with none), the agency's passkey policy, and the
// high-value actions waiting for a second admin (approvals.js). Text only, never HTML.

import { ApiError, request } from './api.js';
import { CHECK_WORDS, renderApprovals } from './approvals.js';
import { $, h } from './dom.js';

let shownPeople = '';

export async function renderAdmin(me, { act, notify, refresh }) {
  await renderApprovals(act, notify);
  await renderPolicy();
  const people = await request('GET', '/admin/users');
  // A partnership admin governs every agency of the partnership: say so, and whose each is.
  const partnership = me.agency.kind === 'partnership';
  $('people-title').textContent = partnership ? "People in the partnership's agencies" : 'People in your agency';
  // The home re-renders after every sync: rebuild the list only when it changed, so a
  // choice half made in it (how a person's identity was checked) is not thrown away.
  const shown = JSON.stringify(people.items);
  if (shownPeople === shown && $('people').childElementCount) return;
  shownPeople = shown;
  const current = (me.passkeys.find((p) => p.current) || {}).id;
  $('people').replaceChildren(...people.items.flatMap((person) => {
    const who = partnership ? `${person.name} (${person.agency})` : person.name;
    const live = person.passkeys.filter((k) => !k.revoked_at);
    if (!live.length && person.status === 'active' && person.id !== me.user.id) return [recoveryItem(person, who, act, notify)];
    return live.map((key) => h('li', {}, `${who} · ${key.name} `,
      // The passkey this admin is signed in with is theirs to manage under "You and this
      // device"; revoking it from here would cut them off mid-task.
      key.id === current ? h('span', { class: 'hint' }, '(this device)') : revokeButton(person, key, act, notify, refresh)));
  }));
}

// Revoking signs a phone out at once and wipes what it keeps: ask first, naming whose and
// which, so a tap on the wrong line of a long list does not cut off a colleague on shift.
function revokeButton(person, key, act, notify, refresh) {
  return h('button', { type: 'button', class: 'danger small', onclick: act(async () => {
    if (!window.confirm(`Revoke ${person.name}'s passkey "${key.name}"? Their phone is signed out at once.`)) return;
    await request('POST', `/admin/passkeys/${key.id}/revoke`);
    notify(`Revoked ${person.name}'s passkey "${key.name}".`);
    await refresh();
  }) }, 'Revoke');
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

// Someone whose passkeys are all revoked gets back in only with a recovery link. This
// admin, having checked who is asking (and saying how), asks for one; a second admin
// approves and is given the link to hand over. The asker never sees it.
function recoveryItem(person, who, act, notify) {
  const check = h('select', { 'aria-label': `How you confirmed it is ${person.name}` },
    h('option', { value: '' }, 'How did you confirm who is asking?'),
    ...Object.entries(CHECK_WORDS).map(([value, words]) => h('option', { value }, words[0].toUpperCase() + words.slice(1))));
  return h('li', { class: 'recovery' }, `${who} · no live passkey `, check,
    h('button', { type: 'button', class: 'small', onclick: act(async () => {
      if (!check.value) throw new Error('Say how you confirmed who is asking first.');
      try {
        await request('POST', `/admin/users/${person.id}/recovery`, { identity_check: check.value });
      } catch (error) {
        if (!(error instanceof ApiError && error.code === 'recovery.already_asked')) throw error;
        notify(`A recovery for ${person.name} is already waiting for a second admin.`);
        return;
      }
      notify(`Recovery asked for ${person.name}: a second admin approves it and hands them the link.`);
      await renderApprovals(act, notify);
    }) }, 'Ask for a recovery link'));
}
