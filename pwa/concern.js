// From what the form holds to the concern of docs/contract.md, and back: pure functions, so the
// payload's shape is tested without a browser. The form state is a flat object keyed by
// input names ("subject.given_name", "assoc.0.registration", "ind.disclosure.present").

import { INDICATORS, indicatorsFor } from './vocab.js';

const pad = (n) => String(n).padStart(2, '0');

// RFC 3339 with the phone's own offset: event time as the recorder lived it.
export function rfc3339(date) {
  const offset = -date.getTimezoneOffset();
  const sign = offset >= 0 ? '+' : '-';
  const abs = Math.abs(offset);
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}`
    + `T${pad(date.getHours())}:${pad(date.getMinutes())}:${pad(date.getSeconds())}`
    + `${sign}${pad(Math.floor(abs / 60))}:${pad(abs % 60)}`;
}

// A datetime-local value ("2026-11-26T02:10") is local time.
const localTime = (value) => (value ? rfc3339(new Date(value)) : undefined);

// As typed: UK registrations and postcodes upper case with their usual space; phone
// numbers grouped. The server normalises again for linking; this is for the eye.
export function formatRegistration(text) {
  const plain = text.toUpperCase().replace(/[^A-Z0-9]/g, '');
  return /^[A-Z]{2}[0-9]{2}[A-Z]{3}$/.test(plain) ? `${plain.slice(0, 4)} ${plain.slice(4)}` : plain;
}

export function formatPostcode(text) {
  const plain = text.toUpperCase().replace(/[^A-Z0-9]/g, '');
  return plain.length >= 5 && plain.length <= 7 ? `${plain.slice(0, -3)} ${plain.slice(-3)}` : plain;
}

export function formatPhone(text) {
  const plain = text.replace(/[^0-9+]/g, '');
  if (/^07[0-9]{9}$/.test(plain)) return `${plain.slice(0, 5)} ${plain.slice(5)}`;
  if (/^\+447[0-9]{9}$/.test(plain)) return `+44 ${plain.slice(3, 7)} ${plain.slice(7)}`;
  return plain;
}

export function formatNhsNumber(text) {
  const digits = text.replace(/[^0-9]/g, '').slice(0, 10);
  return [digits.slice(0, 3), digits.slice(3, 6), digits.slice(6)].filter(Boolean).join(' ');
}

const FORMATTERS = { registration: formatRegistration, number: formatPhone, postcode: formatPostcode };

export function formatterFor(name) {
  if (name === 'subject.nhs_number') return formatNhsNumber;
  if (name.endsWith('postcode')) return formatPostcode;
  return FORMATTERS[name.split('.').pop()] || null;
}

const text = (value) => (typeof value === 'string' ? value.trim() : '');
const list = (value) => text(value).split(',').map((s) => s.trim()).filter(Boolean);
const int = (value) => (text(String(value ?? '')) === '' ? undefined : Number.parseInt(value, 10));

function compact(object) {
  const out = {};
  for (const [k, v] of Object.entries(object)) {
    if (v === undefined || v === '' || (Array.isArray(v) && !v.length)) continue;
    out[k] = v;
  }
  return Object.keys(out).length ? out : undefined;
}

function group(state, prefix) {
  const out = {};
  for (const [name, value] of Object.entries(state)) {
    if (name.startsWith(`${prefix}.`)) out[name.slice(prefix.length + 1)] = value;
  }
  return out;
}

// The rows of associated people and things: "assoc.<n>.<field>".
export function associatedRows(state) {
  const rows = new Map();
  for (const [name, value] of Object.entries(state)) {
    const match = /^assoc\.(\d+)\.(\w+)$/.exec(name);
    if (!match) continue;
    if (!rows.has(match[1])) rows.set(match[1], {});
    rows.get(match[1])[match[2]] = value;
  }
  return [...rows.entries()].sort((a, b) => a[0] - b[0]).map(([, row]) => row);
}

// A sign's basis follows from how the recorder knows, once they have said; never before.
const basisFor = { observed: 'observed', disclosure: 'reported', reported_by_other: 'reported', professional_concern: 'opinion' };
export const defaultBasis = (source) => basisFor[source] || '';

// What the missing report asks beyond the contract's fields (when and where last seen, what
// they wore, who with) goes first in what happened, in the recorder's words.
function withLastSeen(state, categories) {
  const lastSeen = categories.includes('missing') ? text(state.last_seen) : '';
  return [lastSeen && `Last seen: ${lastSeen}`, text(state.narrative)].filter(Boolean).join('\n\n');
}

export function buildConcern(state, { clientId, now = new Date() }) {
  const categories = Array.isArray(state.categories) ? state.categories : [];
  const s = group(state, 'subject');
  const subject = compact({
    given_name: text(s.given_name), family_name: text(s.family_name), known_as: list(s.known_as),
    date_of_birth: text(s.date_of_birth) || undefined,
    approx_age: text(s.date_of_birth) ? undefined : int(s.approx_age),
    sex: text(s.sex) || undefined, nhs_number: text(s.nhs_number) || undefined,
    legal_status: text(s.legal_status) || undefined,
    placing_authority: s.legal_status === 'looked_after' ? text(s.placing_authority) || undefined : undefined,
    address_postcode: text(s.address_postcode) || undefined, school: text(s.school) || undefined,
  }) || {};
  const indicators = [];
  // A sign left alone, or answered "No", is not sent: the contract has no "no", and an
  // unanswered sign must not read as the recorder's answer.
  for (const code of indicatorsFor(categories, { disclosure: state.source === 'disclosure' })) {
    const present = state[`ind.${code}.present`];
    if (present === 'yes' || present === 'possible') {
      indicators.push(compact({
        code, present, basis: state[`ind.${code}.basis`] || defaultBasis(state.source) || undefined,
        note: text(state[`ind.${code}.note`]) || undefined,
      }));
    }
  }
  const m = group(state, 'missing');
  const missing = categories.includes('missing') ? compact({
    missing_from: text(m.missing_from), reported_at: localTime(m.reported_at), found_at: localTime(m.found_at),
    found_where: text(m.found_where), found_with: text(m.found_with), returned_how: text(m.returned_how),
    police_risk: text(m.police_risk) || undefined, police_ref: text(m.police_ref),
  }) : undefined;
  const associated = associatedRows(state).map((row) => compact({
    ...Object.fromEntries(Object.entries(row).map(([k, v]) => [k, k === 'approx_age' ? int(v) : text(v)])),
  })).filter((row) => row && Object.keys(row).length > 1);
  const consent = text(state['sharing.consent']);
  const concern = {
    schema: 'frontline.concern/1',
    client_id: clientId,
    recorded_at: localTime(state.when) || rfc3339(now),
    setting: text(state.setting) || 'other',
    location: compact({ postcode: text(state['location.postcode']), description: text(state['location.description']) }),
    subject,
    categories,
    // Never presumed: left out until the recorder says how they know (the server requires it).
    source: text(state.source) || undefined,
    child_words: text(state.child_words) || undefined,
    narrative: withLastSeen(state, categories),
    indicators,
    level: text(state.level),
    rationale: text(state.rationale),
    missing,
    associated,
    actions_taken: Array.isArray(state.actions_taken) ? state.actions_taken : [],
    sharing: compact({
      consent,
      not_sought_reason: consent === 'not_sought' ? text(state['sharing.not_sought_reason']) || undefined : undefined,
      protect_identity_of: list(state['sharing.protect_identity_of']),
    }) || {},
  };
  return Object.fromEntries(Object.entries(concern).filter(([, v]) => v !== undefined));
}

// The server refuses a time more than this ahead of its clock (docs/api.md).
const CLOCK_SKEW_MS = 5 * 60 * 1000;
const MISSING_TIMES = [['reported_at', 'The time reported missing'], ['found_at', 'The time found']];

// A time the server would refuse (RFC 3339 text, or nothing): named before sealing.
export function timeProblem(field, label, value) {
  const at = value ? new Date(value) : null;
  if (at && at.getTime() > Date.now() + CLOCK_SKEW_MS) return { field, message: `${label} is in the future.` };
  if (at && at.getFullYear() < 1900) return { field, message: `${label} is before 1900.` };
  return null;
}

// What must be there before sealing, named by field, in the recorder's words. The server
// checks everything again; this only spares a round trip.
export function problems(concern) {
  const out = [];
  const s = concern.subject || {};
  if (!s.given_name && !s.family_name && !(s.known_as || []).length && !s.nhs_number) {
    out.push({ field: 'subject.given_name', message: "Give the child's name, a known-as name or an NHS number." });
  }
  if (!s.date_of_birth && s.approx_age === undefined) {
    out.push({ field: 'subject.date_of_birth', message: 'Give a date of birth or an approximate age.' });
  } else if (s.date_of_birth && new Date(s.date_of_birth) > new Date()) {
    out.push({ field: 'subject.date_of_birth', message: 'The date of birth is in the future.' });
  }
  for (const [key, label] of MISSING_TIMES) {
    const wrong = timeProblem(`missing.${key}`, label, concern.missing && concern.missing[key]);
    if (wrong) out.push(wrong);
  }
  if (!concern.categories.length) out.push({ field: 'categories', message: 'Choose at least one kind of concern.' });
  if (!concern.source) out.push({ field: 'source', message: 'Say how you know: you saw it, the child told you, someone told you, or it is a professional concern.' });
  for (const sign of concern.indicators.filter((i) => !i.basis)) {
    out.push({ field: `ind.${sign.code}.basis`, message: `Say how you know about this sign: ${INDICATORS[sign.code]}.` });
  }
  if (!concern.narrative) out.push({ field: 'narrative', message: 'Say what happened.' });
  if (!concern.level) out.push({ field: 'level', message: 'Choose a level of concern.' });
  if (!concern.rationale) out.push({ field: 'rationale', message: 'Say why you chose this level.' });
  if (!concern.sharing.consent) out.push({ field: 'sharing.consent', message: 'Say whether consent to share was given.' });
  if (concern.sharing.consent === 'not_sought' && !concern.sharing.not_sought_reason) {
    out.push({ field: 'sharing.not_sought_reason', message: 'Say why consent was not sought.' });
  }
  return out;
}

// A summary the outbox may keep: no names, no words, nothing that identifies the child.
export const summaryOf = (concern) => ({
  recorded_at: concern.recorded_at, categories: concern.categories, level: concern.level,
});
