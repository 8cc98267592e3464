// Reporting a child missing from their profile, and found again. Pure: no DOM, no storage.
// The report is a concern in the category missing, about the profile's child, with the home
// as where they are missing from and "reported missing" now: it opens the child's episode
// (docs/contract.md, "Missing episodes"), and the police may open the profile while it is
// open. Found is an addendum to that concern with `missing.found_at`, which closes it.

import { rfc3339, timeProblem } from './concern.js';
import { ukDateTime } from './dates.js';

const text = (value) => String(value || '').trim();
const local = (value) => (value ? rfc3339(new Date(value)) : undefined);

// What the carer is asked, in the form's words, before sealing.
export function reportProblems(answers) {
  const out = [];
  if (!answers.police_risk) out.push({ field: 'police_risk', message: 'Choose the police risk grading.' });
  if (!text(answers.where)) out.push({ field: 'where', message: 'Say where they were last seen.' });
  return out;
}

// `answers`: { last_seen (a local "2026-12-03T21:30", or '' for now), where, wearing,
// with_whom, police_risk }; `home`: the agency's name (missing from).
export function missingReport(profile, answers, { clientId, home, now = new Date() }) {
  const seen = local(answers.last_seen) || rfc3339(now);
  const lines = [
    `Last seen ${ukDateTime(seen)} at ${text(answers.where)}.`,
    text(answers.wearing) && `Wearing: ${text(answers.wearing)}.`,
    text(answers.with_whom) && `With: ${text(answers.with_whom)}.`,
    'Reported missing from their profile: the police may open the profile while they are missing.',
  ].filter(Boolean);
  return {
    schema: 'frontline.concern/1',
    client_id: clientId,
    recorded_at: rfc3339(now),
    setting: 'care_home',
    subject: profile.subject,
    categories: ['missing'],
    source: 'observed',
    narrative: lines.join('\n'),
    // A child missing from care: police Missing Persons, the Missing Coordinator and the
    // MASH hear of it at once (the default rules' "missing-significant").
    level: 'significant_harm',
    rationale: `Missing from care; police risk graded ${answers.police_risk.replace(/_/g, ' ')}.`,
    missing: { missing_from: home, reported_at: rfc3339(now), police_risk: answers.police_risk },
    // Telling the police a child is missing cannot wait for consent.
    sharing: { consent: 'not_sought', not_sought_reason: 'delay' },
  };
}

// Before sealing the return: a time found the server would refuse.
export function foundProblems(answers) {
  const wrong = timeProblem('found_at', 'The time found', local(answers.found_at));
  return wrong ? [wrong] : [];
}

// `answers`: { found_at (local, or '' for now), where, by_whom, with_whom }.
export function foundAddendum(concernId, answers, { clientId, now = new Date() }) {
  const missing = { found_at: local(answers.found_at) || rfc3339(now) };
  if (text(answers.where)) missing.found_where = text(answers.where);
  if (text(answers.with_whom)) missing.found_with = text(answers.with_whom);
  return {
    schema: 'frontline.addendum/1',
    concern_id: concernId,
    client_id: clientId,
    recorded_at: rfc3339(now),
    text: [`Found${text(answers.where) ? ` at ${text(answers.where)}` : ''}.`,
      text(answers.by_whom) && `Found by: ${text(answers.by_whom)}.`,
      text(answers.with_whom) && `With: ${text(answers.with_whom)}.`].filter(Boolean).join(' '),
    missing,
  };
}
