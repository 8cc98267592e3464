// A suspicion (docs/contract.md, "Suspicion") from what its form holds: pure functions, so the
// payload's shape is tested without a browser. The form state is a flat object keyed by
// input names ("narrative", "basis", "assoc.0.registration", "child.0.given_name").

import { associatedRows, rfc3339 } from './concern.js';

export const SCHEMA = 'frontline.suspicion/1';

// How the recorder knows, in their words; the contract's codes in the same order.
export const BASIS = {
  observed: 'I saw it', reported: 'I was told', pattern: 'A pattern I noticed', gut_feeling: 'A gut feeling',
};
// What the owner did about it, as the recorder and the owner read it.
export const OUTCOMES = {
  investigating: 'We are looking into it', no_action: 'No action', joined_to_alert: 'Joined to a network alert',
};
export const STATUS = { open: 'Waiting for an answer', answered: 'Answered', reopened: 'Reopened' };

const text = (v) => (typeof v === 'string' ? v.trim() : '');
const int = (v) => (text(v) && /^\d+$/.test(text(v)) ? Number(text(v)) : undefined);
const compact = (o) => {
  const kept = Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined && v !== ''));
  return Object.keys(kept).length ? kept : undefined;
};

function childRows(state) {
  const rows = new Map();
  for (const [name, value] of Object.entries(state)) {
    const match = /^child\.(\d+)\.(\w+)$/.exec(name);
    if (!match) continue;
    if (!rows.has(match[1])) rows.set(match[1], {});
    rows.get(match[1])[match[2]] = value;
  }
  return [...rows.entries()].sort((a, b) => a[0] - b[0]).map(([, row]) => row);
}

export function buildSuspicion(state, { clientId, now = new Date() }) {
  const associated = associatedRows(state).map((row) => compact(Object.fromEntries(
    Object.entries(row).map(([k, v]) => [k, k === 'approx_age' ? int(v) : text(v)]),
  ))).filter((row) => row && Object.keys(row).length > 1);
  const children = childRows(state).map((row) => compact({
    given_name: text(row.given_name), family_name: text(row.family_name), approx_age: int(row.approx_age),
  })).filter(Boolean);
  return {
    schema: SCHEMA,
    client_id: clientId,
    recorded_at: rfc3339(now),
    narrative: text(state.narrative),
    // Never presumed: the recorder says how they know.
    ...(text(state.basis) ? { basis: text(state.basis) } : {}),
    level: text(state.level) || 'information',
    children,
    associated,
  };
}

// What must be there before sealing, in the recorder's words. The server checks it all again.
export function suspicionProblems(s) {
  const found = [];
  if (!s.narrative) found.push({ field: 'narrative', message: 'Say what you suspect, and why.' });
  if (!s.basis) found.push({ field: 'basis', message: 'Say how you know: saw, told, a pattern or a gut feeling.' });
  if (!s.children.length && !s.associated.length) {
    found.push({ field: 'assoc', message: 'Add at least one person, vehicle, phone, place, account or child.' });
  }
  for (const child of s.children) {
    if (!child.given_name && !child.family_name) found.push({ field: 'child', message: 'Give each child a name.' });
  }
  return found;
}
