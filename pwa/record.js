// The record screen: one thumb, top to bottom. Every keystroke lands in an encrypted draft,
// so rotation, backgrounding or a reload lose nothing; "Seal and send" proves, seals and
// queues the concern, and the plain text leaves the phone's storage.

import * as drafts from './drafts.js';
import { $, h, options } from './dom.js';
import { buildConcern, defaultBasis, formatterFor, problems } from './concern.js';
import { dateProblems, setupDateFields, showDateFields } from './date-fields.js';
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

// The word "required" is on the screen, not only in a screen reader's ear.
const required = () => h('span', { class: 'req' }, '(required)');

// A group of choices; with data-first, only that many show at once and the rest wait in a
// section to open (same name, so the form reads them all the same).
function chipGroup(container) {
  const { chips: name, type, table, legend, hint, first, more } = container.dataset;
  const chips = Object.entries(vocab[table]).map(([value, text]) => h('label', { class: 'chip' },
    h('input', { type, name, value }), h('span', {}, text)));
  const shown = first ? Number(first) : chips.length;
  const rest = chips.slice(shown);
  const fieldset = h('fieldset', { class: 'chips' },
    h('legend', {}, legend, 'required' in container.dataset ? [' ', required()] : null,
      hint ? h('span', { class: 'hint' }, ` ${hint}`) : null),
    chips.slice(0, shown),
    rest.length ? h('details', { class: 'optional more' },
      h('summary', {}, `${more} (${rest.length})`, ' ', h('span', { class: 'filled' })),
      h('div', { class: 'chips' }, rest)) : null);
  container.replaceWith(fieldset);
}

// Each sign starts unanswered: Yes, Possible or No is the recorder's answer, never ours. How
// they know it is asked once they say Yes or Possible, starting from how they know the rest.
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
        h('legend', { id }, vocab.INDICATORS[code], high ? h('span', { class: 'tag' }, 'high weight') : null),
        ...[...Object.entries(vocab.PRESENT), ['no', 'No']].map(([value, text]) => h('label', { class: 'chip small' },
          h('input', { type: 'radio', name: `${name}.present`, value }), h('span', {}, text))),
        h('div', { class: 'basis' },
          h('label', { for: `${id}-basis` }, 'How you know this'),
          h('select', { id: `${id}-basis`, name: `${name}.basis` },
            h('option', { value: '' }, 'Choose'),
            Object.entries(vocab.BASIS).map(([value, text]) => h('option', { value, selected: value === basis }, text))))));
  }));
  // A basis not yet chosen keeps the one that follows from the source just given.
  writeState(Object.fromEntries(Object.entries(state).filter(([k, v]) => !(k.endsWith('.basis') && !v))));
}

// How much each optional section holds, on its summary: a closed section is not an empty one.
function countFilled() {
  for (const details of form.querySelectorAll('details.optional')) {
    const rows = details.querySelectorAll('li.assoc').length;
    let n = 0;
    for (const el of details.querySelectorAll('[name]')) {
      if (el.closest('[hidden]') || el.name.endsWith('.kind') || el.name.endsWith('.basis')) continue;
      if (el.type === 'radio' || el.type === 'checkbox') n += el.checked && el.value !== 'no' ? 1 : 0;
      else n += el.value.trim() ? 1 : 0;
    }
    let count = `Optional · ${n ? `${n} filled in` : 'nothing filled in'}`;
    if (rows) count = `Optional · ${rows} added`;
    else if (details.id === 'indicators') count = `Optional · ${n ? `${n} answered` : 'none answered'}`;
    else if (details.classList.contains('more')) count = n ? `${n} chosen` : 'None chosen';
    else if (details.id === 'found') count = n ? `${n} filled in` : 'Only once they are back';
    else if (details.id === 'own-label') count = n ? 'Kept on this phone' : 'Optional';
    // The setting comes from the recorder's agency: say which, so a closed section hides nothing.
    else if (details.id === 'where') count = `${vocab.SETTINGS[$('f-setting').value] || ''}${n > 1 ? `, ${n - 1} more filled in` : ''}`;
    details.querySelector('.filled').textContent = count;
  }
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
  // The child told the recorder: their own words are the next thing to ask for.
  if (target && target.name === 'source' && target.value === 'disclosure') $('words').open = true;
  if (target && target.name === 'categories' && target.value === 'missing' && target.checked
      && !$('f-m-reported').value && !$('f-m-found').value) {
    // Reported missing now, unless the recorder says otherwise: the report opens the
    // child's missing episode, and its return clock starts from the return.
    $('f-m-reported').value = localNow();
    showDateFields($('f-m-reported-group').parentElement);
    state = readState();
  }
  showConditional(state);
  countFilled();
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

// Where the recorder works sets the setting; how they know is theirs to say (issue 28: a
// preset "I saw it" reached the MASH for a child the recorder had only been told about).
function defaults(profile) {
  return { setting: vocab.SETTING_FOR_AGENCY[profile && profile.agency.kind] || 'other' };
}

function clear() {
  form.reset();
  // A hidden input keeps its value through a reset: empty the dates by hand.
  for (const el of form.querySelectorAll('fieldset.date input[type=hidden]')) el.value = '';
  // Each concern starts with its optional sections closed (their counts say what they hold).
  for (const details of form.querySelectorAll('details')) details.open = false;
  showDateFields(form);
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
  showDateFields(form);
  showConditional(draft.state);
  countFilled();
  form.dispatchEvent(new Event('frontline:restored'));
  $('submit').disabled = false;
}

// The element to take the recorder to: a date's first field, inside any closed section.
function reachable(name) {
  const el = form.querySelector(`[name="${name}"]`);
  if (!el) return null;
  for (let d = el.closest('details'); d; d = d.parentElement.closest('details')) d.open = true;
  return el.type === 'hidden' ? el.closest('fieldset').querySelector('input:not([type=hidden])') : el;
}

function showProblems(list) {
  $('form-errors').replaceChildren(...list.map((p) => h('li', {},
    h('a', { href: `#field-${p.field}`, onclick: (e) => {
      e.preventDefault();
      const el = reachable(p.field);
      if (el) el.focus();
    } }, p.message))));
  for (const el of form.querySelectorAll('[aria-invalid]')) el.removeAttribute('aria-invalid');
  for (const el of form.querySelectorAll('fieldset.invalid')) el.classList.remove('invalid');
  for (const p of list) {
    const el = form.querySelector(`[name="${p.field}"]`);
    if (el) el.setAttribute('aria-invalid', 'true');
    // A group of choices (or a date's fields) shows it needs an answer around the whole group.
    if (el && ['radio', 'checkbox', 'hidden'].includes(el.type)) el.closest('fieldset').classList.add('invalid');
  }
}

async function submit(event) {
  event.preventDefault();
  const concern = buildConcern(readState(), { clientId: draft.client_id });
  const list = [...problems(concern), ...dateProblems(form)];
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
  setupDateFields(form);
  options($('f-setting'), vocab.SETTINGS);
  options($('f-legal'), vocab.LEGAL_STATUS, { empty: 'Not known / not chosen' });
  options($('f-not-sought'), vocab.NOT_SOUGHT, { empty: 'Choose a reason' });
  options($('f-m-risk'), vocab.POLICE_RISK, { empty: 'Not graded yet' });
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
