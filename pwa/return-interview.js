// The return home interview on the phone, for the Missing Coordinator: opened from the return
// interview task (inbox.js), recorded in plain words, then proven, sealed and queued in the
// same outbox as a concern, so a lost signal costs nothing.

import { formatterFor } from './concern.js';
import { setupDateFields, dateProblems, showDateFields } from './date-fields.js';
import { $, h } from './dom.js';
import { KINDS, OUTCOMES, PULL, PUSH, buildInterview, interviewProblems } from './return-interview-form.js';
import * as vocab from './vocab.js';

let rows = 0;
let onSeal = null;
let onError = null;
let concernId = null;
const children = new Map(); // concern id -> the child's name, as the opened concern gave it

// The task's concern, opened with a purpose: its child's name goes with the form.
export function remember(id, name) {
  if (name) children.set(id, name);
}

function readState(form) {
  const state = {};
  for (const el of form.elements) {
    if (!el.name) continue;
    if (el.type === 'radio') { if (el.checked) state[el.name] = el.value; } else if (el.type === 'checkbox') state[el.name] = el.checked;
    else state[el.name] = el.value;
  }
  return state;
}

const chips = (name, table, type = 'radio') => Object.entries(table).map(([value, words]) => h('label', { class: 'chip' },
  h('input', type === 'radio' ? { type, name, value } : { type, name: `${name}.${value}` }), h('span', {}, words)));

function addNamed(kind) {
  const n = rows++;
  const spec = vocab.ASSOCIATED[kind];
  const row = h('li', { class: 'assoc' },
    h('p', { class: 'assoc-title' }, spec.label),
    h('input', { type: 'hidden', name: `assoc.${n}.kind`, value: kind }),
    spec.fields.map((f) => {
      const id = `ri-assoc-${n}-${f}`;
      const attrs = { id, name: `assoc.${n}.${f}`, autocomplete: 'off', maxlength: f === 'description' ? 1000 : 200 };
      if (f === 'approx_age') Object.assign(attrs, { type: 'number', inputmode: 'numeric', min: 0, max: 120 });
      if (f === 'number') Object.assign(attrs, { type: 'tel', inputmode: 'tel' });
      if (f === 'registration' || f === 'postcode') attrs.autocapitalize = 'characters';
      return [h('label', { for: id }, vocab.FIELD_LABELS[f]), h('input', attrs)];
    }),
    h('button', { type: 'button', class: 'link', onclick: () => row.remove() }, `Remove ${spec.label.toLowerCase()}`));
  $('ri-named').append(row);
  row.querySelector('input:not([type=hidden])').focus();
}

function form() {
  const held = h('div', { id: 'ri-held', hidden: true },
    h('div', { 'data-date': 'held_at', 'data-id': 'ri-held-at', 'data-legend': 'When was it held?', 'data-time': '' }));
  const body = [
    h('ul', { id: 'ri-errors', class: 'errors', tabindex: -1, 'aria-live': 'assertive' }),
    h('div', { 'data-date': 'offered_at', 'data-id': 'ri-offered-at', 'data-legend': 'When was the interview offered?', 'data-time': '' }),
    h('fieldset', { class: 'chips' }, h('legend', {}, 'Is the person who offered it independent of the child’s carers?'),
      h('div', { class: 'chips' }, chips('independent', { yes: 'Yes, independent', no: 'No, one of the carers' }))),
    h('fieldset', { class: 'chips' }, h('legend', {}, 'How did it go?'),
      h('div', { class: 'chips', id: 'ri-outcome' }, chips('outcome', OUTCOMES))),
    held,
    h('label', { for: 'ri-words' }, 'What the child said, in their own words'),
    h('textarea', { id: 'ri-words', name: 'child_words', rows: 3, maxlength: 20000, autocomplete: 'off' }),
    h('label', { for: 'ri-narrative' }, 'What was learnt'),
    h('textarea', { id: 'ri-narrative', name: 'narrative', rows: 5, maxlength: 20000, autocomplete: 'off' }),
    h('fieldset', { class: 'chips' }, h('legend', {}, 'What pushed them to go?'), h('div', { class: 'chips' }, chips('push', PUSH, 'checkbox'))),
    h('fieldset', { class: 'chips' }, h('legend', {}, 'What drew them away?'), h('div', { class: 'chips' }, chips('pull', PULL, 'checkbox'))),
    h('fieldset', {}, h('legend', {}, 'People, places, vehicles and phones the child named'),
      h('ul', { id: 'ri-named', class: 'plain' }),
      h('p', { class: 'row wrap' }, KINDS.map((kind) => h('button', { type: 'button', class: 'small', onclick: () => addNamed(kind) }, `+ ${vocab.ASSOCIATED[kind].label}`)))),
    h('button', { id: 'ri-submit', type: 'submit', class: 'primary' }, 'Seal and send'),
  ];
  $('ri-form').replaceChildren(...body);
  setupDateFields($('ri-form'));
  $('ri-outcome').addEventListener('change', () => {
    const chosen = $('ri-form').querySelector('input[name=outcome]:checked');
    held.hidden = !chosen || chosen.value !== 'held';
  });
}

async function submit(event) {
  event.preventDefault();
  const state = readState($('ri-form'));
  const interview = buildInterview(state, { clientId: crypto.randomUUID(), concernId });
  const list = [...dateProblems($('ri-form')), ...interviewProblems(interview)];
  $('ri-errors').replaceChildren(...list.map((p) => h('li', {}, p.message)));
  if (list.length) {
    $('ri-errors').focus();
    return;
  }
  $('ri-submit').disabled = true;
  try {
    await onSeal(interview);
    // Home shows it waiting in the outbox, with or without signal, until it is sent.
    location.hash = '#/';
  } catch (error) {
    onError(error); // nothing was queued: the form is as it was
  } finally {
    $('ri-submit').disabled = false;
  }
}

// Registrations, postcodes and phone numbers as the eye expects them, as a concern's are.
function format(event) {
  const { target } = event;
  const formatter = target.name && target.value ? formatterFor(target.name) : null;
  if (!formatter) return;
  const formatted = formatter(target.value);
  if (formatted !== target.value && !/\s$/.test(target.value)) target.value = formatted;
}

export function setup({ seal, error }) {
  onSeal = seal;
  onError = error;
  $('ri-form').addEventListener('submit', submit);
  $('ri-form').addEventListener('input', format);
}

export function open(id) {
  concernId = id;
  rows = 0;
  form();
  showDateFields($('ri-form'));
  const name = children.get(id);
  $('ri-child').textContent = name ? `For ${name}, after their return.` : 'For the child in the task you opened, after their return.';
}
