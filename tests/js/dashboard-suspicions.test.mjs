import assert from 'node:assert/strict';
import { test } from 'node:test';

import { suspicionLine } from '../../pwa/dashboard-suspicions.js';

test('a row of suspicion counts in plain words, withheld counts never as numbers', () => {
  const line = suspicionLine({ agency: 'Riverside Police', open: null, reopened: 5, overdue: 7, answered: 0 });
  assert.equal(line, 'Waiting for an answer: withheld; reopened by a later record: 5; overdue: 7; answered in the period: 0.');
  assert.doesNotMatch(line, /null|undefined/);
});
