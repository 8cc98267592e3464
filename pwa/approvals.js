// What waits for a second admin: this admin reads what each grants, in words (who, which
// agency, which roles and inboxes; for rules, what changes), and approves or refuses. An
// approved recovery's link is handed over here, to this approver alone, once. Text only.

import { ApiError, request } from './api.js';
import { $, h, when } from './dom.js';
import { ROLES, label } from './vocab.js';

const ACTION_WORDS = {
  access_grant: 'Invitation with access to records',
  recovery: 'Account recovery',
  rules_load: 'New routing rules',
  kek_rotation: 'Key-encryption key rotation',
  retention_erase: 'Erasure of records',
  subject_export: "Export of a child's records",
};
export const CHECK_WORDS = {
  line_manager_in_person: 'line manager, in person',
  line_manager_video_call: 'line manager, on a video call',
  photo_id_in_person: 'photo ID, in person',
};

export const roleWords = (roles) => roles.map((r) => label(ROLES, r)).join(', ');

export function describe(a) {
  const g = a.grant || {};
  const parts = [ACTION_WORDS[a.action] || label({}, a.action)];
  if (g.person) parts.push(g.person);
  if (g.agency) parts.push(g.agency);
  if (g.roles && g.roles.length) parts.push(`roles: ${roleWords(g.roles)}`);
  if (g.inboxes && g.inboxes.length) parts.push(`inboxes: ${g.inboxes.join(', ')}`);
  if (g.identity_check) parts.push(`identity confirmed by ${CHECK_WORDS[g.identity_check] || label({}, g.identity_check)}`);
  if (a.rules) {
    const r = a.rules;
    parts.push(`"${r.label || ''}" replacing version ${r.replaces ?? 'none'}`);
    for (const [word, ids] of [['adds', r.added], ['removes', r.removed], ['changes', r.changed]]) {
      if (ids.length) parts.push(`${word} ${ids.join(', ')}`);
    }
  }
  // Said once: who asked, when, and (for the asker) that someone else decides.
  parts.push(a.yours
    ? `asked by you ${when(a.requested_at)}: another admin decides`
    : `asked by ${a.asked_by || 'an admin'} ${when(a.requested_at)}`);
  return parts.join(' · ');
}

// Why an approval could not be made, in words naming the person where the server's cannot.
function refusal(error, a) {
  if (error instanceof ApiError && error.code === 'recovery.passkeys_live') {
    return `${a.grant.person} has a working passkey again, so this recovery is no longer needed; refuse it.`;
  }
  return null;
}

export async function renderApprovals(act, notify) {
  const { items } = await request('GET', '/admin/approvals');
  const waiting = items.filter((a) => a.status === 'pending');
  const decide = (a, verb, done) => act(async () => {
    let decided;
    try {
      decided = await request('POST', `/admin/approvals/${a.id}/${verb}`);
    } catch (error) {
      const words = refusal(error, a);
      if (!words) throw error;
      notify(words);
      return;
    }
    done(decided);
    await renderApprovals(act, notify);
  });
  $('approvals').replaceChildren(...(waiting.length ? waiting.map((a) => h('li', {},
    `${describe(a)} `,
    a.rules ? h('details', {}, h('summary', {}, 'What changes'), h('pre', {}, a.rules.diff.join('\n'))) : '',
    a.yours ? '' : h('button', { type: 'button', class: 'small', onclick: decide(a, 'approve', (decided) => {
      if (decided.ticket) handOver(a.grant.person, decided.ticket, notify);
      else notify('Approved.');
    }) }, 'Approve'),
    a.yours ? '' : h('button', { type: 'button', class: 'danger small', onclick: decide(a, 'reject', () => notify('Refused.')) }, 'Refuse'))) : [h('li', {}, 'Nothing is waiting.')]));
}

// The recovery link, for this approver to give the person face to face. Kept apart from
// the lists (which re-render after every sync) and from the notice, wrapped so a phone
// shows all of it; copied with the clipboard, or selected for copying where that is
// refused. "Done" clears it: it is not shown again, so it should not linger on a desk.
function handOver(person, ticket, notify) {
  const field = h('textarea', { readonly: true, rows: 3, class: 'link', 'aria-label': `Recovery link for ${person}`, spellcheck: 'false' });
  field.value = ticket.url;
  const status = h('p', { role: 'status', class: 'hint' });
  const copy = h('button', { type: 'button', onclick: async () => {
    try {
      await navigator.clipboard.writeText(ticket.url);
      status.textContent = 'Link copied.';
    } catch {
      field.focus();
      field.select();
      status.textContent = 'The link is selected: copy it from the field above.';
    }
  } }, 'Copy link');
  const done = h('button', { type: 'button', onclick: () => {
    $('handover').replaceChildren();
    $('handover').hidden = true;
  } }, 'Done');
  $('handover').replaceChildren(
    h('h4', {}, `Recovery link for ${person}`),
    h('p', {}, `Give this link to ${person} in person; it works once, until ${when(ticket.expires_at)}. It is not shown again.`),
    field, h('p', { class: 'row' }, copy, done), status);
  $('handover').hidden = false;
  notify(`Approved. The recovery link for ${person} is below: give it to them in person.`);
  $('handover').scrollIntoView({ block: 'center' });
  copy.focus({ preventScroll: true });
}
