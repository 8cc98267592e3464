// The recorder's own concerns: waiting in the outbox (for signal, or for the server, which
// may have it already), rejected (with the reason and a way to fix), sent, delivered,
// acknowledged, decided — and the "already known" notice. In clear
// the phone knows only when each was recorded; what kind of concern it is, whom to contact
// and where it went are sealed to the vault and shown only while the app is unlocked.

import { request } from './api.js';
import * as db from './db.js';
import { $, h, when } from './dom.js';
import { KEPT, Wait, revive } from './outbox.js';
import * as vault from './vault.js';
import * as vocab from './vocab.js';

const L = vocab.label;
const KIND_NOTE = { alert: ', pattern alert', escalation: ', escalated', re_referral: ', re-referral' };

function summaryLine(summary) {
  if (!summary) return 'Concern recorded';
  return `${summary.categories.map((c) => L(vocab.CATEGORIES, c)).join(', ')} · ${L(vocab.LEVELS, summary.level)}`;
}

function knownNotice(known) {
  if (!known || !known.contact || !known.contact.length) return null;
  return h('p', { class: 'known' }, 'This child is already known. Contact: ',
    known.contact.map((c) => `${c.inbox} (${c.agency})`).join('; '));
}

// What the line beside "Sync now" says: only what is true of this phone's own concerns
// ("All sent" on a phone that never recorded one, or beside a refused one, is not).
// `forServer`: how many of the waiting ones wait for the server rather than for signal.
export async function sendState(waiting, rejected, forServer = 0) {
  if (waiting && forServer === waiting) return `${waiting} waiting for the server`;
  if (waiting) return `${waiting} waiting`;
  if (rejected) return `${rejected} not accepted`;
  return (await db.all('sent')).length ? 'All sent' : '';
}

let generation = 0;

// Open what was sealed to the vault about each item (null when it cannot be opened).
async function opened(items) {
  return Promise.all(items.map(async (item) => ({
    ...item,
    details: await vault.open(item.details, `details:${item.client_id}`),
    known: await vault.open(item.known, `known:${item.client_id}`),
  })));
}

let listed = new Set(); // concern ids of the last list shown: memory, gone with the lock

// Whether a concern is one this person recorded, by the list the server last gave them
// (shown on this page, or kept sealed): only then may the phone choose "checking a record
// I made" for them.
export async function isOwn(concernId) {
  if (listed.has(concernId)) return true;
  const mine = (await vault.open(await db.get('meta', 'mine'), 'mine')) || [];
  return mine.some((c) => c.concern_id === concernId);
}

// Only a concern the server accepted can be opened, and only through it: nothing about its
// content is kept on the phone. The link says which one, for a screen reader's list of links.
const openLink = (concern) => h('a', {
  class: 'button small open',
  href: `#/mine/${concern.concern_id}`,
  'aria-label': `Open the concern recorded ${when(concern.recorded_at)}`,
}, 'Open');

function waitingLine(item) {
  const tried = item.attempts ? ` (tried ${item.attempts}×)` : '';
  return `${item.waiting_for === Wait.SERVER ? 'Waiting for the server' : 'Waiting for signal'}${tried}`;
}

// Why a concern waits for the server, in words that keep the recorder from recording it twice.
function waitingNote(item) {
  if (item.waiting_for !== Wait.SERVER) return null;
  const text = KEPT.has(item.last_failure)
    ? 'The server has received it and is still working on it. This phone checks again by itself: do not record it again.'
    : 'The server is busy. This phone sends it again by itself: do not record it again.';
  return h('p', { class: 'muted' }, text);
}

// `knownNow`: "already known" answers this page received, for a phone without a vault.
export async function renderConcerns({ online, onFix, onDiscard, knownNow = new Map() }) {
  // Renders race (a sync ends while the page opens): only the latest may paint.
  const ticket = ++generation;
  const outbox = await opened(await db.all('outbox'));
  const sent = new Map((await opened(await db.all('sent'))).map((s) => [s.client_id, { ...s, known: s.known || knownNow.get(s.client_id) }]));
  let mine = (await vault.open(await db.get('meta', 'mine'), 'mine')) || [];
  if (online) {
    try {
      mine = (await request('GET', '/concerns/mine')).items;
      // Where it went names inboxes and outcomes: kept sealed, or not at all.
      await db.put('meta', await vault.seal(mine, 'mine'), 'mine');
    } catch { /* keep the last copy */ }
  }
  if (ticket !== generation) return;
  listed = new Set(mine.map((c) => c.concern_id));
  const cards = [];
  for (const item of outbox.map(revive).sort((a, b) => b.created_at - a.created_at)) {
    const rejected = item.state === 'rejected';
    cards.push(h('li', { class: rejected ? 'card rejected' : 'card waiting', 'data-client-id': item.client_id },
      h('strong', {}, summaryLine(item.details)),
      h('span', {}, `Recorded ${when(item.recorded_at)}`),
      h('span', { class: 'status' }, rejected ? 'Not accepted' : waitingLine(item)),
      rejected ? null : waitingNote(item),
      rejected && item.error ? h('p', { class: 'error' }, `${item.error.detail || ''} (${item.error.code})`) : null,
      rejected ? h('div', { class: 'row wrap' },
        h('button', { type: 'button', class: 'small', onclick: () => onFix(item) }, 'Fix and resubmit'),
        h('button', { type: 'button', class: 'small danger', onclick: () => onDiscard(item) }, 'Discard'))
        : null));
  }
  // The server may list a concern its answer said was still in progress: one card, the
  // outbox's, until the phone's next sending hears how it ended.
  const stillWaiting = new Set(outbox.filter((i) => revive(i).state === 'waiting').map((i) => i.client_id));
  for (const concern of mine) {
    if (stillWaiting.has(concern.client_id)) continue;
    const local = sent.get(concern.client_id);
    const deliveries = concern.deliveries || [];
    cards.push(h('li', { class: 'card sent', 'data-client-id': concern.client_id },
      h('strong', {}, summaryLine(local && local.details)),
      h('span', {}, `Recorded ${when(concern.recorded_at)}`),
      h('span', { class: 'status' }, deliveries.length ? 'Delivered' : 'Sent'),
      h('ul', { class: 'plain deliveries' }, deliveries.map((d) => h('li', {},
        `${d.inbox} (${d.agency})${KIND_NOTE[d.kind] || ''}: ${d.status}`,
        d.status === 'acknowledged' && d.acknowledged_at ? ` ${when(d.acknowledged_at)}` : '',
        d.status === 'decided' && d.acknowledged_at ? ` (acknowledged ${when(d.acknowledged_at)})` : '',
        d.outcome ? ` · ${L(vocab.OUTCOMES, d.outcome)}` : '',
        d.decided_at ? ` on ${when(d.decided_at)}` : '',
        d.feedback ? h('p', { class: 'feedback' }, `Feedback from ${d.inbox}: “${d.feedback}”`) : null))),
      knownNotice(local && local.known),
      openLink(concern)));
  }
  const inList = new Set(mine.map((c) => c.client_id));
  for (const record of sent.values()) {
    if (inList.has(record.client_id)) continue;
    cards.push(h('li', { class: 'card sent', 'data-client-id': record.client_id },
      h('strong', {}, summaryLine(record.details)),
      h('span', {}, `Recorded ${when(record.recorded_at)}`),
      h('span', { class: 'status' }, record.status === 'duplicate' ? 'Sent (already received)' : 'Sent'),
      knownNotice(record.known)));
  }
  if (!cards.length) cards.push(h('li', { class: 'muted' }, 'Nothing recorded on this phone yet.'));
  $('concerns').replaceChildren(...cards);
}
