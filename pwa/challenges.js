// Disagreeing with a decision: "I disagree" on a decided delivery (the recorder's card, and a
// decided delivery opened from an inbox) opens a short form with the reason; the list of
// challenges shows where each is, who has it and by when; its owner resolves it (the decision
// stands, or it is changed); the person who raised it reads the answer.

import { request } from './api.js';
import { $, countdown, h, options, when } from './dom.js';
import * as vocab from './vocab.js';

const L = vocab.label;
const REASON_MAX = 2000;

// Who has it, in words: "MASH (supervisors), Riverside Children's Social Care".
const ownerWords = (owner) => (owner.inbox.includes(owner.agency) ? owner.inbox : `${owner.inbox}, ${owner.agency}`);

// The challenges this person raised, owns or supervises, by the delivery they are about
// (only the latest per delivery); empty without signal, when nothing can be challenged.
export async function challengesByDelivery() {
  try {
    const { items } = await request('GET', '/challenges');
    const found = new Map();
    for (const c of items) if (!found.has(c.delivery_id) || found.get(c.delivery_id).raised_at < c.raised_at) found.set(c.delivery_id, c);
    return found;
  } catch {
    return null;
  }
}

// What a challenge says on a card: with whom and by when, or how it was answered.
export function challengeLine(c) {
  if (c.status === 'resolved') {
    const what = c.outcome === 'changed'
      ? `the decision was changed to ${L(vocab.OUTCOMES, c.new_decision)}`
      : 'the decision stands';
    return h('div', { class: 'challenge answered' },
      h('p', {}, h('strong', {}, c.raised_by_me ? 'Your challenge was answered: ' : 'Answered: '), `${what} (${when(c.resolved_at)}).`),
      c.note ? h('p', { class: 'feedback' }, `“${c.note}”`) : null);
  }
  return h('div', { class: 'challenge' },
    h('p', {}, h('strong', {}, c.raised_by_me ? 'You disagreed ' : 'Challenged '), `on ${when(c.raised_at)}.`),
    h('p', {}, `With ${ownerWords(c.owner)} (stage ${c.stage}), to answer by ${when(c.due)}.`));
}

// "I disagree": a button that opens the form in place; once sent, where the challenge is.
export function disagree(delivery, { notify }) {
  const holder = h('div', { class: 'disagree' });
  const id = `reason-${delivery.id}`;
  const open = () => {
    const reason = h('textarea', { id, rows: 4, maxlength: REASON_MAX, autocomplete: 'off', 'aria-describedby': `${id}-hint` });
    const form = h('form', { class: 'disagree-form' },
      h('label', { for: id }, `Why do you disagree with ${delivery.inbox}'s decision?`),
      h('p', { class: 'hint', id: `${id}-hint` }, 'Say what they may have missed. It goes to their supervisor first, and higher if it is not answered in time.'),
      reason,
      h('p', { class: 'row' },
        h('button', { type: 'submit', class: 'primary' }, 'Send challenge'),
        h('button', { type: 'button', onclick: () => holder.replaceChildren(button) }, 'Cancel')));
    form.onsubmit = (e) => {
      e.preventDefault();
      const text = reason.value.trim();
      if (text.length < 3) {
        notify('Write a few words on why you disagree.');
        reason.focus();
        return;
      }
      request('POST', `/deliveries/${delivery.id}/challenge`, { reason: text })
        .then((raised) => {
          notify(`Challenge sent to ${ownerWords(raised.owner)}, to answer by ${when(raised.due)}.`);
          holder.replaceChildren(challengeLine({
            status: 'open', raised_by_me: true, raised_at: new Date().toISOString(), ...raised,
          }));
        }, notify);
    };
    holder.replaceChildren(form);
    reason.focus();
  };
  const button = h('button', { type: 'button', class: 'small', onclick: open }, 'I disagree');
  holder.append(button);
  return holder;
}

// Under a decision: the challenge raised about it, or "I disagree" (with signal only:
// `challenges` is null without it).
export function decidedNote(d, challenges, actions) {
  if (!challenges || !d.id) return null;
  const raised = challenges.get(d.id);
  if (raised) return challengeLine(raised);
  return d.status === 'decided' && d.outcome ? disagree(d, actions) : null;
}

function resolveForm(c, notify) {
  const name = `answer-${c.id}`;
  const pick = h('select', { id: `${name}-decision` });
  options(pick, vocab.OUTCOMES, { empty: 'Choose the new decision' });
  const newDecision = h('div', { hidden: true },
    h('label', { for: `${name}-decision` }, 'New decision'), pick);
  const note = h('textarea', { id: `${name}-note`, rows: 3, maxlength: 2000, autocomplete: 'off' });
  const choice = (value, text) => h('label', { class: 'row' },
    h('input', { type: 'radio', name, value, onchange: () => { newDecision.hidden = value !== 'changed'; } }), text);
  const form = h('form', { class: 'resolve-form' },
    h('fieldset', {}, h('legend', {}, 'Your answer'),
      choice('upheld', 'The decision stands'), choice('changed', 'Change the decision')),
    newDecision,
    h('label', { for: `${name}-note` }, 'What you decided and why, for the person who raised it'),
    note,
    h('button', { type: 'submit', class: 'primary' }, 'Send answer'));
  form.onsubmit = (e) => {
    e.preventDefault();
    const outcome = (form.querySelector(`input[name="${name}"]:checked`) || {}).value;
    if (!outcome) return notify('Choose whether the decision stands or changes.');
    if (outcome === 'changed' && !pick.value) return notify('Choose the new decision.');
    if (note.value.trim().length < 3) return notify('Write a few words for the person who raised it.');
    const body = { outcome, note: note.value.trim(), ...(outcome === 'changed' ? { decision: pick.value } : {}) };
    return request('POST', `/challenges/${c.id}/resolve`, body)
      .then(() => { notify('Answer sent; the person who raised it is told.'); return showChallenges(notify); }, notify);
  };
  return form;
}

// The challenges list: open ones first, each with what was decided, why it is challenged,
// who has it and by when; Resolve where it is this person's to answer.
export async function showChallenges(notify) {
  const { items } = await request('GET', '/challenges');
  $('challenge-list').replaceChildren(...items.map((c) => h('li', { class: `card ${c.status === 'open' ? 'waiting' : 'sent'}` },
    h('strong', {}, `${c.decided_in}: ${L(vocab.OUTCOMES, c.decision)}`),
    h('span', {}, `${c.raised_by_me ? 'You disagreed' : 'Challenged'} on ${when(c.raised_at)}`),
    c.reason ? h('p', { class: 'feedback' }, `“${c.reason}”`) : null,
    c.status === 'open'
      ? h('span', { class: c.overdue ? 'due overdue' : 'due' }, `Stage ${c.stage}: ${ownerWords(c.owner)} · ${countdown(c.due)} (${when(c.due)})`)
      : challengeLine(c),
    h('a', { href: `#/concern/${c.concern_id}` }, 'Open the concern'),
    c.can_resolve ? resolveForm(c, notify) : null)));
  if (!items.length) $('challenge-list').append(h('li', { class: 'muted' }, 'No challenges.'));
}
