import assert from 'node:assert/strict';
import { test } from 'node:test';

import { buildInterview, interviewProblems, interviewSummary } from '../../pwa/return-interview-form.js';

const now = new Date('2026-12-03T22:10:00Z');
const concernId = '9b2f0a52-3f0e-4d3a-9a55-1d1b6e1c2a10';

test('an interview held, naming an adult and a car, as the contract shapes it', () => {
  const i = buildInterview({
    offered_at: '2026-12-02T10:00', independent: 'yes', outcome: 'held', held_at: '2026-12-02T15:30',
    child_words: ' He said I owe him. ', narrative: 'Picked up near the station by an older man.',
    'push.placement': true, 'push.bullying': false, 'pull.adults_of_concern': true, 'pull.gifts_money_substances': true,
    'assoc.0.kind': 'adult_of_concern', 'assoc.0.nickname': 'Ricky', 'assoc.0.approx_age': '30',
    'assoc.1.kind': 'vehicle', 'assoc.1.registration': 'AB12 CDE', 'assoc.1.description': '',
    'assoc.2.kind': 'phone', 'assoc.2.number': '',
  }, { clientId: 'c1', concernId, now });
  assert.equal(i.schema, 'frontline.return_interview/1');
  assert.equal(i.concern_id, concernId);
  assert.equal(i.independent, true);
  assert.equal(i.outcome, 'held');
  assert.match(i.held_at, /^2026-12-02T15:30:00[+-]\d\d:\d\d$/);
  assert.equal(i.child_words, 'He said I owe him.');
  assert.deepEqual(i.push_factors, ['placement']);
  assert.deepEqual(i.pull_factors, ['gifts_money_substances', 'adults_of_concern']);
  assert.deepEqual(i.associated, [
    { kind: 'adult_of_concern', nickname: 'Ricky', approx_age: 30 },
    { kind: 'vehicle', registration: 'AB12 CDE' },
  ]);
  assert.deepEqual(interviewProblems(i), []);
  assert.deepEqual(interviewSummary(i), { recorded_at: i.recorded_at, kind: 'return_interview' });
});

test('nothing is presumed: independence and outcome unsaid are asked for', () => {
  const i = buildInterview({ narrative: '' }, { clientId: 'c2', concernId, now });
  assert.equal('independent' in i, false);
  assert.equal('outcome' in i, false);
  assert.deepEqual(i.push_factors, []);
  assert.deepEqual(interviewProblems(i).map((p) => p.field).sort(), ['independent', 'narrative', 'offered_at', 'outcome']);
});

test('declined: no held time is sent even if one was typed; held before offered is caught', () => {
  const declined = buildInterview({ offered_at: '2026-12-02T10:00', independent: 'no', outcome: 'declined', held_at: '2026-12-02T11:00', narrative: 'She did not want to talk.' }, { clientId: 'c3', concernId, now });
  assert.equal('held_at' in declined, false);
  assert.equal(declined.independent, false);
  assert.deepEqual(interviewProblems(declined), []);
  const early = buildInterview({ offered_at: '2026-12-02T10:00', independent: 'yes', outcome: 'held', held_at: '2026-12-01T09:00', narrative: 'x' }, { clientId: 'c4', concernId, now });
  assert.deepEqual(interviewProblems(early).map((p) => p.field), ['held_at']);
});
