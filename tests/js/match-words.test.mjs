import assert from 'node:assert/strict';
import { test } from 'node:test';

import { kindsInWords, sideInWords, spanInWords, splitInWords, whyInWords } from '../../pwa/match-words.js';

test('every kind of key is said in words, strongest first, never as its code', () => {
  assert.equal(kindsInWords(['postcode', 'phonetic_year']), 'family name with year of birth and home postcode');
  assert.equal(kindsInWords(['known_as_year', 'given_dob', 'postcode', 'name_dob', 'nhs_number', 'phonetic_year']),
    'NHS number, name with date of birth, family name with year of birth, known-as name with year of birth, '
    + 'home postcode and given name with date of birth');
  assert.equal(kindsInWords(['nhs_number']), 'NHS number');
  assert.equal(kindsInWords(['nhs_number', 'nhs_number']), 'NHS number');
  assert.equal(kindsInWords([]), '');
  // A kind this phone does not know yet is said plainly, not as a code.
  assert.equal(kindsInWords(['school_year', 'postcode']), 'home postcode and school year');
});

test('why two records may be one child: shared keys, or one concern matching each by a different key', () => {
  assert.equal(whyInWords({ subject_id: 'a', candidate_id: 'b', kinds: ['postcode', 'known_as_year'], conflict: null }),
    'Both records have the same known-as name with year of birth and home postcode.');
  const conflict = { matched: { a: ['nhs_number'], b: ['name_dob'] }, words: '…' };
  assert.equal(whyInWords({ subject_id: 'a', candidate_id: 'b', kinds: ['name_dob', 'nhs_number'], conflict }),
    'One concern matched both records: record 1 by NHS number, record 2 by name with date of birth.');
});

test('a record in brief: how many concerns, from which agencies, over which span', () => {
  const side = { concerns: 3, agencies: ['Riverside Health', 'Riverside Police', "Oakview Children's Home"],
    first_recorded_at: '2026-11-01T10:00:00Z', last_recorded_at: '2026-11-20T10:00:00Z' };
  assert.equal(sideInWords(side), "3 concerns, from Riverside Health, Riverside Police and Oakview Children's Home");
  assert.equal(sideInWords({ ...side, concerns: 1, agencies: ['Riverside Police'] }), '1 concern, from Riverside Police');
  assert.equal(sideInWords({ concerns: 0, agencies: [], first_recorded_at: null, last_recorded_at: null }), 'No concerns');
  const day = (iso) => iso.slice(0, 10);
  assert.equal(spanInWords(side, day), 'First recorded 2026-11-01; last 2026-11-20');
  assert.equal(spanInWords({ ...side, last_recorded_at: side.first_recorded_at }, day), 'Recorded 2026-11-01');
  assert.equal(spanInWords({ concerns: 0, first_recorded_at: null }, day), '');
});

test('a split is told in a sentence, naming only what it changed', () => {
  assert.equal(splitInWords({ concerns_moved: 0, alerts_withdrawn: 0, alerts_rebuilt: 0 }),
    'Split: the records are two children again.');
  assert.equal(splitInWords({ concerns_moved: 1, alerts_withdrawn: 0, alerts_rebuilt: 0 }),
    'Split: the records are two children again. 1 concern moved back.');
  assert.equal(splitInWords({ concerns_moved: 2, alerts_withdrawn: 1, alerts_rebuilt: 3 }),
    'Split: the records are two children again. 2 concerns moved back, 1 alert withdrawn, 3 alerts updated.');
});
