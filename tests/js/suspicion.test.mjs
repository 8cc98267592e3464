import assert from 'node:assert/strict';
import { test } from 'node:test';

import { buildSuspicion, suspicionProblems } from '../../pwa/suspicion-form.js';

const now = new Date('2026-12-03T22:10:00Z');

test('a suspicion about an adult and a car, as the contract shapes it', () => {
  const s = buildSuspicion({
    narrative: '  A man in a silver Audi waits outside the home most nights. ',
    basis: 'observed',
    level: 'significant_harm',
    'assoc.0.kind': 'adult_of_concern', 'assoc.0.name': 'Darren Hale', 'assoc.0.approx_age': '40',
    'assoc.1.kind': 'vehicle', 'assoc.1.registration': 'YX19 KLM', 'assoc.1.description': '',
    'assoc.2.kind': 'phone', 'assoc.2.number': '',
  }, { clientId: 'c1', now });
  assert.equal(s.schema, 'frontline.suspicion/1');
  assert.equal(s.narrative, 'A man in a silver Audi waits outside the home most nights.');
  assert.deepEqual(s.associated, [
    { kind: 'adult_of_concern', name: 'Darren Hale', approx_age: 40 },
    { kind: 'vehicle', registration: 'YX19 KLM' },
  ]);
  assert.deepEqual(s.children, []);
  assert.deepEqual(suspicionProblems(s), []);
});

test('nothing named, no basis: the recorder is told what is missing', () => {
  const s = buildSuspicion({ narrative: 'Something is wrong', 'child.0.approx_age': '14' }, { clientId: 'c2', now });
  assert.equal('basis' in s, false);
  const fields = suspicionProblems(s).map((p) => p.field);
  assert.deepEqual(fields, ['basis', 'child']);
  const none = buildSuspicion({ narrative: 'x', basis: 'gut_feeling' }, { clientId: 'c3', now });
  assert.deepEqual(suspicionProblems(none).map((p) => p.field), ['assoc']);
});
