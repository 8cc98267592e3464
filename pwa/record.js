// The record screen: one thumb, top to bottom. Every keystroke lands in an encrypted draft,
// so rotation, backgrounding or a reload lose nothing; "Seal and send" proves, seals and
// queues the concern, and the plain text leaves the phone's storage.

import * as drafts from './drafts.js';
import { $, h, options } from './dom.js';
import { buildConcern, defaultBasis, formatterFor, problems } from './concern.js';
import { attachLanguageCheck } from './language-ui.js';
import * as vocab from './vocab.js';

const DRAFT = 'current';
let form;
let draft = { client_id: null, state: {}, replaces: null };
let saveTimer = null;
let onSeal = null;
let onError = null;
let assocCount = 0;

function readState() {
  const state = {};
  for (const el of form.elements) {
    if (!el.name) continue;
    if (el.type === 'checkbox') {
      state[el.name] = state[el.name] || [];
      if (el.checked) state[el.name].push(el.value);
    } else if (el.type === 'radio') {
      if (el.checked) state[el.name] = el.value;
      else if (!(el.name in state)) state[el.name] = '';
    } else {
      state[el.name] = el.value;
    }
  }
  return state;
}

function writeState(state) {
  for (const el of form.elements) {
    if (!el.name || !(el.name in state)) continue;
    const value = state[el.name];
    if (el.type === 'checkbox') el.checked = Array.isArray(value) && value.includes(el.value);
    else if (el.type === 'radio') el.checked = value === el.value;
    else el.value = value;
  }
}

function chipGroup(container) {
  const { chips: name, type, table, legend } = container.dataset;
  const entries = Object.entries(vocab[table]);
  const fieldset = h('fieldset', { class: 'chips' }, h('legend', {}, legend),
    entries.map(([value, text]) => h('label', { class: 'chip' },
      h('input', { type, name, value }), h('span', {}, text))));
  container.replaceWith(fieldset);
}

function renderIndicators(state) {
  const categories = state.categories || [];
  const codes = vocab.indicatorsFor(categories, { disclosure: state.source === 'disclosure' });
  $('indicators').hidden = !categories.length;
  const basis = defaultBasis(state.source);
  $('indicator-list').replaceChildren(...codes.map((code) => {
    const name = `ind.${code}`;
    const high = vocab.HIGH_WEIGHT.has(code);
    const id = `ind-${code}`;
    return h('li', { class: 'indicator' },
      h('fieldset', { class: 'chips inline' },
        h('legend', { id }, vocab.INDICATORS[code], high ? h('span', { class: 'tag' }, 'high') : null),
        ...[['yes', 'Yes'], ['possible', 'Possible'], ['', 'No']].map(([value, text]) => h('label', { class: 'chip small' },
          h('input', { type: 'radio', name: `${name}.present`, value, checked: value === '' }), h('span', {}, text))),
        h('label', { class: 'sr-only', for: `${id}-basis` }, `Basis for: ${vocab.INDICATORS[code]}`),
        h('select', { id: `${id}-basis`, name: `${name}.basis` },
          Object.entries(vocab.BASIS).map(([value, text]) => h('option', { value, selected: value === basis }, text)))));
  }));
  writeState(state);
}

function addAssociated(kind, values = {}) {
  const n = assocCount++;
  const spec = vocab.ASSOCIATED[kind];
  const row = h('li', { class: 'assoc' },
    h('p', { class: 'assoc-title' }, spec.label),
    h('input', { type: 'hidden', name: `assoc.${n}.kind`, value: kind }),
    spec.fields.map((field) => {
      const id = `assoc-${n}-${field}`;
      const attrs = { id, name: `assoc.${n}.${field}`, autocomplete: 'off', maxlength: field === 'description' ? 1000 : 200 };
      if (field === 'approx_age') Object.assign(attrs, { type: 'number', inputmode: 'numeric', min: 0, max: 120 });
      if (field === 'number') Object.assign(attrs, { type: 'tel', inputmode: 'tel' });
      if (field === 'registration' || field === 'postcode') attrs.autocapitalize = 'characters';
      const input = h('input', attrs);
      input.value = values[field] || '';
      return [h('label', { for: id }, vocab.FIELD_LABELS[field]), input];
    }),
    h('button', { type: 'button', class: 'link', onclick: () => { row.remove(); changed(); } }, `Remove ${spec.label.toLowerCase()}`));
  $('associated').append(row);
  return row;
}

function restoreAssociated(state) {
  $('associated').replaceChildren();
  assocCount = 0;
  const rows = new Map();
  for (const [name, value] of Object.entries(state)) {
    const match = /^assoc\.(\d+)\.kind$/.exec(name);
    if (match) rows.set(Number(match[1]), value);
  }
  const renamed = {};
  for (const [old, kind] of [...rows.entries()].sort((a, b) => a[0] - b[0])) {
    const values = {};
    for (const field of vocab.ASSOCIATED[kind].fields) values[field] = state[`assoc.${old}.${field}`];
    addAssociated(kind, values);
    renamed[old] = assocCount - 1;
  }
  return renamed;
}

// Now, as a datetime-local input shows it: "2026-11-26T02:10", local time.
function localNow() {
  const now = new Date();
  const local = new Date(now.getTime() - now.getTimezoneOffset() * 60000);
  return local.toISOString().slice(0, 16);
}

function showConditional(state) {
  $('missing').hidden = !(state.categories || []).includes('missing');
  for (const el of form.querySelectorAll('[data-when]')) {
    const wanted = el.dataset.when;
    el.hidden = state['subject.legal_status'] !== wanted && state['sharing.consent'] !== wanted;
  }
}

function changed(event) {
  const target = event && event.target;
  if (target && target.name && event.type === 'input') {
    const format = formatterFor(target.name);
    if (format && target.value) {
      const formatted = format(target.value);
      if (formatted !== target.value && !/\s$/.test(target.value)) target.value = formatted;
    }
  }
  if (event && event.type === 'input' && target && target.name && !['radio', 'checkbox'].includes(target.type)) {
    // Typing changes one field: keep the keystroke cheap (no whole-form read).
    draft.state = { ...draft.state, [target.name]: target.value };
    clearTimeout(saveTimer);
    saveTimer = setTimeout(saveDraft, 300);
    return;
  }
  let state = readState();
  if (target && (target.name === 'categories' || target.name === 'source')) {
    renderIndicators(state);
    state = readState();
  }
  if (target && target.name === 'categories' && target.value === 'missing' && target.checked
      && !$('f-m-reported').value && !$('f-m-found').value) {
    // Reported missing now, unless the recorder says otherwise: the report opens the
    // child's missing episode, and its return clock starts from the return.
    $('f-m-reported').value = localNow();
    state = readState();
  }
  showConditional(state);
  draft.state = state;
  clearTimeout(saveTimer);
  // Typing is saved after a pause; a tap (a change) at once.
  if (event && event.type === 'input') saveTimer = setTimeout(saveDraft, 300);
  else saveDraft();
}

export async function saveDraft() {
  clearTimeout(saveTimer);
  if (!form || !draft.client_id) return;
  await drafts.save(DRAFT, draft);
}

function defaults(profile) {
  return { setting: vocab.SETTING_FOR_AGENCY[profile && profile.agency.kind] || 'other', source: 'observed' };
}

function clear() {
  form.reset();
  $('associated').replaceChildren();
  $('indicator-list').replaceChildren();
  $('form-errors').replaceChildren();
  $('language').replaceChildren();
  $('narrative-marks').replaceChildren();
}

async function load(profile) {
  // Nothing can be sealed until the draft (and its client_id) is in place.
  $('submit').disabled = true;
  $('draft-note').hidden = drafts.kept();
  const saved = await drafts.load(DRAFT).catch(() => null);
  draft = saved || { client_id: crypto.randomUUID(), state: defaults(profile), replaces: null };
  clear();
  restoreAssociated(draft.state);
  renderIndicators(draft.state);
  writeState(draft.state);
  showConditional(draft.state);
  form.dispatchEvent(new Event('frontline:restored'));
  $('submit').disabled = false;
}

function showProblems(list) {
  $('form-errors').replaceChildren(...list.map((p) => h('li', {},
    h('a', { href: `#field-${p.field}`, onclick: (e) => {
      e.preventDefault();
      const el = form.querySelector(`[name="${p.field}"]`);
      if (el) el.focus();
    } }, p.message))));
  for (const el of form.querySelectorAll('[aria-invalid]')) el.removeAttribute('aria-invalid');
  for (const p of list) {
    const el = form.querySelector(`[name="${p.field}"]`);
    if (el) el.setAttribute('aria-invalid', 'true');
  }
}

async function submit(event) {
  event.preventDefault();
  const concern = buildConcern(readState(), { clientId: draft.client_id });
  const list = problems(concern);
  showProblems(list);
  if (list.length) {
    $('form-errors').querySelector('a').focus();
    return;
  }
  $('submit').disabled = true;
  try {
    draft.state = readState();
    await saveDraft();
    await onSeal(concern, draft);
    // Keep the encrypted draft only until the server accepts it (to fix a rejection).
    await drafts.rename(DRAFT, draft.client_id);
    draft = { client_id: null, state: {}, replaces: null };
    clear();
    location.hash = '#/';
  } catch (error) {
    // Nothing was queued: the draft is intact; say why (a cancelled passkey prompt, most often).
    onError(error);
  } finally {
    $('submit').disabled = false;
  }
}

// Open a sealed concern's kept draft again, under a new client_id, to fix and resubmit.
export async function reopen(clientId) {
  const saved = await drafts.load(clientId);
  if (!saved) return false;
  await drafts.save(DRAFT, { client_id: crypto.randomUUID(), state: saved.state, replaces: clientId });
  return true;
}

export async function discard() {
  await drafts.discard(DRAFT);
  draft = { client_id: null, state: {}, replaces: null };
  clear();
}

export function setup({ seal, error }) {
  onSeal = seal;
  onError = error;
  form = $('record');
  for (const container of form.querySelectorAll('[data-chips]')) chipGroup(container);
  options($('f-setting'), vocab.SETTINGS);
  options($('f-legal'), vocab.LEGAL_STATUS, { empty: 'Not known / not chosen' });
  options($('f-not-sought'), vocab.NOT_SOUGHT, { empty: 'Choose a reason' });
  $('associated-add').replaceChildren(...Object.entries(vocab.ASSOCIATED).map(([kind, spec]) => h('button', {
    type: 'button', class: 'small', onclick: () => { addAssociated(kind).querySelector('input:not([type=hidden])').focus(); changed(); },
  }, `+ ${spec.label}`)));
  form.addEventListener('input', changed);
  form.addEventListener('change', changed);
  form.addEventListener('submit', submit);
  attachLanguageCheck({ textarea: $('f-narrative'), marks: $('narrative-marks'), panel: $('language'), form });
  // Rotation, switching apps, locking the phone: save now, not in 300 ms.
  document.addEventListener('visibilitychange', () => { if (document.hidden) saveDraft(); });
  window.addEventListener('pagehide', () => { saveDraft(); });
}

export const open = load;
