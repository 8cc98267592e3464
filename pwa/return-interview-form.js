// The return home interview (docs/contract.md, "Return interview") from what its form holds:
// pure functions, so the payload's shape is tested without a browser. The form state is a
// flat object keyed by input names ("offered_at", "push.bullying", "assoc.0.registration").

import { associatedRows, rfc3339 } from './concern.js';

export const SCHEMA = 'frontline.return_interview/1';

// How it went, in the coordinator's words; the contract's codes.
export const OUTCOMES = {
  held: 'We talked: the interview was held', declined: 'The child said no', not_reached: 'We could not reach the child',
};
// Why the child went, and what drew them away: plain words, nothing ticked in advance.
export const PUSH = {
  conflict_at_home: 'Arguments or trouble where they live', placement: 'Unhappy with where they are placed',
  bullying: 'Bullying', school: 'Trouble at school', peer_pressure: 'Pressure from other young people', other: 'Something else',
};
export const PULL = {
  friends: 'To be with friends', relationship: 'A boyfriend or girlfriend',
  gifts_money_substances: 'Gifts, money, drugs or alcohol', adults_of_concern: 'Adults who worry us',
  family: 'To be with family', other: 'Something else',
};
// Who and what the child named: a concern's kinds, less a carer.
export const KINDS = ['adult_of_concern', 'peer', 'vehicle', 'phone', 'location', 'online_account'];

const text = (v) => (typeof v === 'string' ? v.trim() : '');
const int = (v) => (text(v) && /^\d+$/.test(text(v)) ? Number(text(v)) : undefined);
// "2026-12-03T04:04" from the date fields is the phone's local time.
const localTime = (v) => (text(v) ? rfc3339(new Date(text(v))) : undefined);
const ticked = (state, prefix, table) => Object.keys(table).filter((code) => state[`${prefix}.${code}`] === true || state[`${prefix}.${code}`] === 'on');

export function buildInterview(state, { clientId, concernId, now = new Date() }) {
  const associated = associatedRows(state).map((row) => Object.fromEntries(
    Object.entries(row).map(([k, v]) => [k, k === 'approx_age' ? int(v) : text(v)]).filter(([, v]) => v !== undefined && v !== ''),
  )).filter((row) => Object.keys(row).length > 1);
  const outcome = text(state.outcome);
  const interview = {
    schema: SCHEMA,
    client_id: clientId,
    recorded_at: rfc3339(now),
    concern_id: concernId,
    offered_at: localTime(state.offered_at),
    // Never presumed: the coordinator says whether they are independent of the child's carers.
    independent: state.independent === 'yes' ? true : state.independent === 'no' ? false : undefined,
    outcome: outcome || undefined,
    held_at: outcome === 'held' ? localTime(state.held_at) : undefined,
    child_words: text(state.child_words) || undefined,
    narrative: text(state.narrative),
    push_factors: ticked(state, 'push', PUSH),
    pull_factors: ticked(state, 'pull', PULL),
    associated,
  };
  return Object.fromEntries(Object.entries(interview).filter(([, v]) => v !== undefined));
}

// What must be there before sealing, in the coordinator's words. The server checks it again.
export function interviewProblems(i) {
  const found = [];
  if (!i.offered_at) found.push({ field: 'offered_at', message: 'Say when the interview was offered.' });
  if (i.independent === undefined) found.push({ field: 'independent', message: 'Say whether the person who offered it is independent of the child’s carers.' });
  if (!i.outcome) found.push({ field: 'outcome', message: 'Say how it went: held, the child said no, or not reached.' });
  if (i.outcome === 'held' && !i.held_at) found.push({ field: 'held_at', message: 'Say when the interview was held.' });
  if (i.held_at && i.offered_at && new Date(i.held_at) < new Date(i.offered_at)) {
    found.push({ field: 'held_at', message: 'It was held before it was offered: check the dates.' });
  }
  if (!i.narrative) found.push({ field: 'narrative', message: 'Say what was learnt (or why there was no interview).' });
  return found;
}

// A summary the outbox may keep: nothing that identifies the child.
export const interviewSummary = (i) => ({ recorded_at: i.recorded_at, kind: 'return_interview' });
