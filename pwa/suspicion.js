// Suspicions on the phone: the form ("What do you suspect, and why?"), sealed and proven like
// a concern and queued in the same outbox; and the list of suspicions the person may see —
// their own with where they stand, those their inbox owns with Answer.
//
// An unsent suspicion is kept as a concern is (drafts.js): every change is encrypted under
// the passkey's PRF key while the app is unlocked, so it survives a lock, a reload or a
// closed app, and comes back when the person unlocks and opens the form again. Locked, or
// with a passkey that offers no PRF, nothing is kept. Once sealed and queued it is dropped.

import { request } from './api.js';
import * as drafts from './drafts.js';
import { $, h, options, when } from './dom.js';
import { ukDate } from './dates.js';
import { BASIS, OUTCOMES, STATUS, buildSuspicion, suspicionProblems } from './suspicion-form.js';
import * as vocab from './vocab.js';

// The people and things a suspicion names: a concern's, less a carer (it is no one child's).
const KINDS = ['adult_of_concern', 'vehicle', 'phone', 'location', 'online_account'];
let rows = 0;
let onSeal = null;
let onError = null;
let restoring = false;
let writes = Promise.resolve();
const DRAFT = 'suspicion';

function readState(form) {
  const state = {};
  for (const el of form.elements) {
    if (!el.name) continue;
    if (el.type === 'radio') {
      if (el.checked) state[el.name] = el.value;
    } else state[el.name] = el.value;
  }
  return state;
}

function field(id, name, labelText, attrs = {}) {
  return [h('label', { for: id }, labelText), h('input', { id, name, autocomplete: 'off', maxlength: 200, ...attrs })];
}

function addNamed(kind, n = rows++) {
  const spec = vocab.ASSOCIATED[kind];
  const row = h('li', { class: 'assoc' },
    h('p', { class: 'assoc-title' }, spec.label),
    h('input', { type: 'hidden', name: `assoc.${n}.kind`, value: kind }),
    spec.fields.map((f) => field(`s-assoc-${n}-${f}`, `assoc.${n}.${f}`, vocab.FIELD_LABELS[f],
      f === 'approx_age' ? { type: 'number', inputmode: 'numeric', min: 0, max: 120 }
        : f === 'registration' || f === 'postcode' ? { autocapitalize: 'characters' }
          : f === 'number' ? { type: 'tel', inputmode: 'tel' } : {})),
    h('button', { type: 'button', class: 'link', onclick: () => { row.remove(); saveDraft(); } }, `Remove ${spec.label.toLowerCase()}`));
  $('s-named').append(row);
  if (restoring) return;
  row.querySelector('input:not([type=hidden])').focus();
  saveDraft();
}

function addChild(n = rows++) {
  const row = h('li', { class: 'assoc' },
    h('p', { class: 'assoc-title' }, 'Child'),
    h('div', { class: 'pair' },
      h('div', {}, field(`s-child-${n}-given`, `child.${n}.given_name`, 'First name', { maxlength: 100 })),
      h('div', {}, field(`s-child-${n}-family`, `child.${n}.family_name`, 'Last name', { maxlength: 100 }))),
    field(`s-child-${n}-age`, `child.${n}.approx_age`, 'Approximate age', { type: 'number', inputmode: 'numeric', min: 0, max: 25 }),
    h('button', { type: 'button', class: 'link', onclick: () => { row.remove(); saveDraft(); } }, 'Remove child'));
  $('s-children').append(row);
  if (restoring) return;
  row.querySelector('input').focus();
  saveDraft();
}

// Every change, in order: the last write is the form as it stands. Locked: not kept.
function saveDraft() {
  if (restoring || !drafts.kept()) return writes;
  const state = readState($('suspicion-form'));
  writes = writes.then(() => drafts.save(DRAFT, { state })).catch(() => false);
  return writes;
}

// The rows a kept state names (`assoc.N.kind`, `child.N.…`), made again under their own
// numbers, then every field as it was.
function restore(state) {
  restoring = true;
  try {
    const children = new Set();
    for (const [name, value] of Object.entries(state)) {
      const [group, n] = name.split('.');
      if (group === 'assoc' && name.endsWith('.kind') && vocab.ASSOCIATED[value]) addNamed(value, Number(n));
      if (group === 'child') children.add(Number(n));
    }
    for (const n of children) addChild(n);
    const numbers = Object.keys(state).map((k) => Number(k.split('.')[1])).filter(Number.isInteger);
    rows = Math.max(rows, ...numbers.map((n) => n + 1));
    for (const el of $('suspicion-form').elements) {
      if (!el.name || !(el.name in state) || el.type === 'hidden') continue;
      if (el.type === 'radio') el.checked = el.value === state[el.name];
      else el.value = state[el.name];
    }
  } finally {
    restoring = false;
  }
}

function clear() {
  $('suspicion-form').reset();
  $('s-named').replaceChildren();
  $('s-children').replaceChildren();
  $('s-errors').replaceChildren();
}

async function submit(event) {
  event.preventDefault();
  const suspicion = buildSuspicion(readState($('suspicion-form')), { clientId: crypto.randomUUID() });
  const list = suspicionProblems(suspicion);
  $('s-errors').replaceChildren(...list.map((p) => h('li', {}, p.message)));
  if (list.length) {
    $('s-errors').focus();
    return;
  }
  $('s-submit').disabled = true;
  try {
    await onSeal(suspicion);
    await writes;
    await drafts.discard(DRAFT).catch(() => null);
    clear();
    // Home shows it waiting in the outbox, with or without signal, until it is sent.
    location.hash = '#/';
  } catch (error) {
    onError(error); // nothing was queued: the form is as it was
  } finally {
    $('s-submit').disabled = false;
  }
}

export function setup({ seal, error }) {
  onSeal = seal;
  onError = error;
  $('s-basis').replaceChildren(...Object.entries(BASIS).map(([value, text]) => h('label', { class: 'chip' },
    h('input', { type: 'radio', name: 'basis', value }), h('span', {}, text))));
  options($('s-level'), vocab.LEVELS);
  $('s-level').value = 'information';
  $('s-add').replaceChildren(
    ...KINDS.map((kind) => h('button', { type: 'button', class: 'small', onclick: () => addNamed(kind) }, `+ ${vocab.ASSOCIATED[kind].label}`)),
    h('button', { type: 'button', class: 'small', onclick: () => addChild() }, '+ Child'));
  $('suspicion-form').addEventListener('submit', submit);
  for (const type of ['input', 'change']) $('suspicion-form').addEventListener(type, saveDraft);
  document.addEventListener('visibilitychange', () => { if (document.hidden && $('suspicion-form').isConnected) saveDraft(); });
}

// The form, with the unsent suspicion kept on this phone if there is one.
export async function open() {
  clear();
  const kept = await drafts.load(DRAFT).catch(() => null);
  if (kept && kept.state) restore(kept.state);
}

// -- the list -------------------------------------------------------------------------------

const purposeQuery = (code) => new URLSearchParams({ purpose: code }).toString();

function standing(item) {
  if (item.status === 'answered') return `Answered by ${item.owner.inbox} on ${ukDate(item.answered_at)}: ${OUTCOMES[item.outcome] || ''}`;
  const late = new Date(item.due) < new Date();
  const due = `${late ? 'Answer was due' : 'Answer due'} ${ukDate(item.due)} from ${item.owner.inbox}`;
  const climbed = item.escalated ? ` · escalated ${item.escalated} ${item.escalated === 1 ? 'step' : 'steps'}` : '';
  return `${due}${climbed}`;
}

function matchesLine(item) {
  if (!item.matches) return null;
  const n = item.matches === 1 ? 'A later record names' : `${item.matches} later records name`;
  return h('p', { class: 'known' }, `${n} the same person, vehicle, phone, place or account.`);
}

function named(entry) {
  const spec = vocab.ASSOCIATED[entry.kind] || { label: 'Named', fields: [] };
  // In the form's order: a name before an age.
  const parts = spec.fields.filter((f) => entry[f] !== undefined).map((f) => `${vocab.FIELD_LABELS[f]}: ${entry[f]}`);
  return h('li', {}, `${spec.label} — ${parts.join(', ')}`);
}

function answerForm(item, card, notify) {
  const id = `answer-${item.id}`;
  const form = h('form', { class: 'answer' },
    h('label', { for: id }, 'Your answer, for the record'),
    h('textarea', { id, rows: 3, maxlength: 2000, required: true, autocomplete: 'off' }),
    h('fieldset', { class: 'chips' }, h('legend', {}, 'What happens now'),
      Object.entries(OUTCOMES).map(([value, text]) => h('label', { class: 'chip' },
        h('input', { type: 'radio', name: `outcome-${item.id}`, value, required: true }), h('span', {}, text)))),
    h('button', { type: 'submit', class: 'primary' }, 'Send answer'));
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const chosen = form.querySelector('input[type=radio]:checked');
    try {
      await request('POST', `/suspicions/${item.id}/answer`, { answer: form.querySelector('textarea').value.trim(), outcome: chosen && chosen.value });
      notify('Answer sent. The person who recorded it is told.');
      await showSuspicions(notify);
    } catch (error) {
      notify(error);
    }
  });
  card.append(form);
}

async function openOne(item, card, notify) {
  const pick = card.querySelector('select');
  if (!pick.value) {
    pick.focus();
    notify('Say why you are opening it.');
    return;
  }
  const body = await request('GET', `/suspicions/${item.id}?${purposeQuery(pick.value)}`);
  const s = body.suspicion;
  card.querySelector('.open-form').remove();
  card.append(...[
    h('p', { class: 'narrative' }, s.narrative),
    h('p', {}, `How they know: ${BASIS[s.basis]}`),
    h('ul', { class: 'plain' }, (s.associated || []).map(named),
      (s.children || []).map((c) => h('li', {}, `Child — ${[c.given_name, c.family_name].filter(Boolean).join(' ')}${c.approx_age !== undefined ? `, about ${c.approx_age}` : ''}`))),
    body.answer ? h('p', { class: 'feedback' }, `Answer: “${body.answer}”`) : null,
  ].filter(Boolean));
  if (item.can_answer) answerForm(item, card, notify);
}

function card(item, notify) {
  const li = h('li', { class: `card suspicion ${item.status}`, 'data-id': item.id },
    h('strong', {}, `Suspicion · ${vocab.LEVELS[item.level]}`),
    h('span', {}, `Recorded ${when(item.recorded_at)}${item.yours ? ' by you' : ''}`),
    h('span', { class: 'status' }, STATUS[item.status]),
    h('p', {}, standing(item)),
    matchesLine(item));
  const pickId = `purpose-${item.id}`;
  li.append(h('div', { class: 'open-form' },
    h('label', { for: pickId }, 'Why are you opening it?'),
    h('select', { id: pickId }, h('option', { value: '' }, 'Choose'),
      // "Other" needs a sealed note, which only a concern's read keeps.
      Object.entries(vocab.PURPOSES).filter(([value]) => value !== 'other').map(([value, text]) => h('option', { value, selected: item.yours && value === 'check_own_record' }, text))),
    h('button', { type: 'button', class: item.can_answer ? 'primary' : '', onclick: () => openOne(item, li, notify).catch(notify) },
      item.can_answer ? 'Open and answer' : 'Open')));
  return li;
}

export async function showSuspicions(notify) {
  $('suspicion-list').replaceChildren(h('li', { class: 'muted' }, 'Loading…'));
  const { items } = await request('GET', '/suspicions');
  $('suspicion-list').replaceChildren(...(items.length ? items.map((i) => card(i, notify))
    : [h('li', { class: 'muted' }, 'No suspicions for you.')]));
}
