// The recorder's own concerns: waiting in the outbox (for signal, or for the server, which
// may have it already), rejected (with the reason and a way to fix), sent, delivered,
// acknowledged, decided — and the "already known" notice. In clear
// the phone knows only when each was recorded; what kind of concern it is, whom to contact
// and where it went are sealed to the vault and shown only while the app is unlocked.

import { request } from './api.js';
import { challengesByDelivery, decidedNote } from './challenges.js';
import * as db from './db.js';
import { $, h, when } from './dom.js';
import { KEPT, Wait, revive } from './outbox.js';
import * as vault from './vault.js';
import * as vocab from './vocab.js';

const L = vocab.label;
const KIND_NOTE = { alert: ', pattern alert', escalation: ', escalated', re_referral: ', re-referral' };

function summaryLine(summary) {
  if (!summary) return 'Concern recorded';
  if (summary.kind === 'suspicion') return `Suspicion · ${L(vocab.LEVELS, summary.level)}`;
  if (summary.kind === 'profile') return `Child's profile: ${summary.name}`;
  if (summary.kind === 'missing') return `Reported missing: ${summary.name}`;
  if (summary.kind === 'return_interview') return 'Return home interview';
  return `${summary.categories.map((c) => L(vocab.CATEGORIES, c)).join(', ')} · ${L(vocab.LEVELS, summary.level)}`;
}

// The card's title: the recorder's own label when they gave one (sealed to this phone's
// vault, never sent), so that several concerns can be told apart without naming the child.
function title(summary) {
  if (!summary || !summary.label) return h('strong', {}, summaryLine(summary));
  return [h('strong', { class: 'own-label' }, summary.label), h('span', {}, summaryLine(summary))];
}

// Where a concern went, in the order it reached them (routed first, then alerts and
// escalations as they came), then by name: the same on every load.
const KIND_ORDER = { routed: 0, re_referral: 0, alert: 1, escalation: 2 };
export function byRoutingOrder(deliveries) {
  return [...deliveries].sort((a, b) => (KIND_ORDER[a.kind] ?? 3) - (KIND_ORDER[b.kind] ?? 3)
    || String(a.delivered_at).localeCompare(String(b.delivered_at))
    || a.inbox.localeCompare(b.inbox) || a.agency.localeCompare(b.agency));
}

// Why the server refused it, in words; its own sentence where the phone has none.
// (A detail names the field it is about first, "subject.date_of_birth: …": that is left off.)
const refusal = (error) => vocab.REJECTED[error.code]
  || String(error.detail || '').replace(/^[\w.]+: /, '') || 'The server did not accept it.';

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
// A decision changed on challenge keeps the feedback written with the first one: say so.
function feedbackWho(d, challenges) {
  const changed = challenges && challenges.get(d.id);
  return changed && changed.outcome === 'changed'
    ? `Feedback from ${d.inbox} with its first decision (${L(vocab.OUTCOMES, changed.decision)})`
    : `Feedback from ${d.inbox}`;
}

// `notify`: says what happened (a challenge sent).
export async function renderConcerns({ online, onFix, onDiscard, knownNow = new Map(), notify = () => {} }) {
  // Renders race (a sync ends while the page opens): only the latest may paint.
  const ticket = ++generation;
  const outbox = await opened(await db.all('outbox'));
  const sent = new Map((await opened(await db.all('sent'))).map((s) => [s.client_id, { ...s, known: s.known || knownNow.get(s.client_id) }]));
  let mine = (await vault.open(await db.get('meta', 'mine'), 'mine')) || [];
  // Challenges are read with signal only: disagreeing needs it anyway (null: none read).
  let challenges = null;
  if (online) {
    try {
      [mine, challenges] = await Promise.all([
        request('GET', '/concerns/mine').then((page) => page.items), challengesByDelivery()]);
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
      title(item.details),
      h('span', {}, `Recorded ${when(item.recorded_at)}`),
      h('span', { class: 'status' }, rejected ? 'Not accepted' : waitingLine(item)),
      rejected ? null : waitingNote(item),
      rejected && item.error ? h('p', { class: 'error' }, refusal(item.error)) : null,
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
      title(local && local.details),
      h('span', {}, `Recorded ${when(concern.recorded_at)}`),
      h('span', { class: 'status' }, deliveries.length ? 'Delivered' : 'Sent'),
      h('ul', { class: 'plain deliveries' }, byRoutingOrder(deliveries).map((d) => h('li', {},
        `${d.inbox} (${d.agency})${KIND_NOTE[d.kind] || ''}: ${L(vocab.DELIVERY_STATUS, d.status)}`,
        d.status === 'acknowledged' && d.acknowledged_at ? ` ${when(d.acknowledged_at)}` : '',
        d.status === 'decided' && d.acknowledged_at ? ` (acknowledged ${when(d.acknowledged_at)})` : '',
        d.outcome ? ` · ${L(vocab.OUTCOMES, d.outcome)}` : '',
        d.decided_at ? ` on ${when(d.decided_at)}` : '',
        d.feedback ? h('p', { class: 'feedback' }, `${feedbackWho(d, challenges)}: “${d.feedback}”`) : null,
        decidedNote(d, challenges, { notify })))),
      knownNotice(local && local.known),
      openLink(concern)));
  }
  const inList = new Set(mine.map((c) => c.client_id));
  for (const record of sent.values()) {
    if (inList.has(record.client_id)) continue;
    cards.push(h('li', { class: 'card sent', 'data-client-id': record.client_id },
      title(record.details),
      h('span', {}, `Recorded ${when(record.recorded_at)}`),
      h('span', { class: 'status' }, record.status === 'duplicate' ? 'Sent (already received)' : 'Sent'),
      knownNotice(record.known)));
  }
  if (!cards.length) cards.push(h('li', { class: 'muted' }, 'Nothing recorded on this phone yet.'));
  $('concerns').replaceChildren(...cards);
}
