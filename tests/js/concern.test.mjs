import assert from 'node:assert/strict';
import { test } from 'node:test';

import {
  buildConcern, formatNhsNumber, formatPhone, formatPostcode, formatRegistration, formatterFor,
  problems, rfc3339, summaryOf,
} from '../../pwa/concern.js';
import { indicatorsFor } from '../../pwa/vocab.js';
import { MISSING_FROM_CARE } from './fixtures.mjs';


test('a missing-from-care form becomes the concern of docs/contract.md', () => {
  const concern = buildConcern(MISSING_FROM_CARE, { clientId: 'c-1', now: new Date('2026-11-26T01:40:00Z') });
  assert.equal(concern.schema, 'frontline.concern/1');
  assert.equal(concern.client_id, 'c-1');
  assert.match(concern.recorded_at, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d\d:\d\d$/);
  assert.deepEqual(concern.subject, {
    given_name: 'Amira', family_name: 'Okoro', known_as: ['Mira', 'Ams'], approx_age: 14,
    legal_status: 'looked_after', placing_authority: 'Northshire',
  });
  assert.deepEqual(concern.indicators, [
    { code: 'adult_of_concern', present: 'possible', basis: 'observed' },
    { code: 'found_far_from_home', present: 'yes', basis: 'observed' },
  ]); // "No" and an untouched sign are not sent
  assert.equal(concern.missing.police_risk, 'medium');
  assert.match(concern.missing.reported_at, /^2026-11-25T22:15:00[+-]\d\d:\d\d$/);
  assert.deepEqual(concern.associated, [{ kind: 'vehicle', registration: 'AB12 CDE' }]); // the empty phone row is dropped
  assert.deepEqual(concern.sharing, { consent: 'given' }); // a reason only when not sought
  assert.equal('location' in concern, false);
  assert.equal('child_words' in concern, false);
  assert.deepEqual(problems(concern), []);
  assert.deepEqual(summaryOf(concern), { recorded_at: concern.recorded_at, categories: ['missing'], level: 'child_in_need' });
});

test('the missing section is left out when missing is not chosen', () => {
  const concern = buildConcern({ ...MISSING_FROM_CARE, categories: ['neglect'] }, { clientId: 'x' });
  assert.equal('missing' in concern, false);
});

test('an empty form names every missing field', () => {
  const fields = problems(buildConcern({}, { clientId: 'x' })).map((p) => p.field);
  assert.deepEqual(fields, ['subject.given_name', 'subject.date_of_birth', 'categories', 'source', 'narrative', 'level', 'rationale', 'sharing.consent']);
  const notSought = buildConcern({ ...MISSING_FROM_CARE, 'sharing.consent': 'not_sought', 'sharing.not_sought_reason': '' }, { clientId: 'x' });
  assert.deepEqual(problems(notSought).map((p) => p.field), ['sharing.not_sought_reason']);
});

test('nothing is presumed: no source, no sign, no basis the recorder did not give', () => {
  const untouched = { ...MISSING_FROM_CARE, source: '' };
  for (const key of Object.keys(untouched)) if (key.startsWith('ind.')) untouched[key] = '';
  const concern = buildConcern(untouched, { clientId: 'x' });
  assert.equal('source' in concern, false);
  assert.deepEqual(concern.indicators, []);
  assert.deepEqual(problems(concern).map((p) => p.field), ['source']);
  // A sign marked before the source is given has no basis yet: asked, not guessed.
  const early = buildConcern({ ...untouched, 'ind.found_far_from_home.present': 'yes' }, { clientId: 'x' });
  assert.deepEqual(early.indicators, [{ code: 'found_far_from_home', present: 'yes' }]);
  assert.deepEqual(problems(early).map((p) => p.field), ['source', 'ind.found_far_from_home.basis']);
});

test('where and when last seen leads what happened, for a missing child only', () => {
  const state = { ...MISSING_FROM_CARE, last_seen: '21:30 at the gate, grey hoodie, with two older boys' };
  assert.equal(buildConcern(state, { clientId: 'x' }).narrative,
    'Last seen: 21:30 at the gate, grey hoodie, with two older boys\n\nNot back by curfew.');
  assert.equal(buildConcern({ ...state, categories: ['neglect'] }, { clientId: 'x' }).narrative, 'Not back by curfew.');
});

test('identifiers are formatted as typed', () => {
  assert.equal(formatRegistration('ab12cde'), 'AB12 CDE');
  assert.equal(formatRegistration('w123 xyz'), 'W123XYZ');
  assert.equal(formatPhone('07700900123'), '07700 900123');
  assert.equal(formatPhone('+447700900123'), '+44 7700 900123');
  assert.equal(formatPostcode('ox41aa'), 'OX4 1AA');
  assert.equal(formatNhsNumber('9434765919'), '943 476 5919');
  assert.equal(formatterFor('assoc.2.registration'), formatRegistration);
  assert.equal(formatterFor('subject.address_postcode'), formatPostcode);
  assert.equal(formatterFor('narrative'), null);
});

test('RFC 3339 carries the local offset', () => {
  const text = rfc3339(new Date(2026, 0, 2, 3, 4, 5));
  assert.match(text, /^2026-01-02T03:04:05[+-]\d\d:\d\d$/);
});

test('indicators follow the categories, high-weight first, disclosure always offered', () => {
  const codes = indicatorsFor(['missing']);
  assert.ok(!codes.includes('missing_episode')); // Missing is the category: not asked again
  assert.ok(indicatorsFor(['trafficking']).includes('missing_episode'));
  assert.ok(codes.includes('disclosure'));
  assert.ok(codes.indexOf('cars_with_unknown_adults') < codes.indexOf('found_far_from_home'));
  assert.deepEqual(indicatorsFor([]), []);
});

test('a missing time in the future or before 1900 is named before sealing', () => {
  const later = new Date(Date.now() + 2 * 60 * 60 * 1000);
  const local = (d) => `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}-${String(d.getDate()).padStart(2, '0')}T${String(d.getHours()).padStart(2, '0')}:${String(d.getMinutes()).padStart(2, '0')}`;
  const ahead = buildConcern({ ...MISSING_FROM_CARE, 'missing.reported_at': local(later) }, { clientId: 'x' });
  assert.deepEqual(problems(ahead), [{ field: 'missing.reported_at', message: 'The time reported missing is in the future.' }]);
  const early = buildConcern({ ...MISSING_FROM_CARE, 'missing.found_at': '1899-12-31T23:00' }, { clientId: 'x' });
  assert.deepEqual(problems(early), [{ field: 'missing.found_at', message: 'The time found is before 1900.' }]);
  const justNow = buildConcern({ ...MISSING_FROM_CARE, 'missing.found_at': local(new Date()) }, { clientId: 'x' });
  assert.deepEqual(problems(justNow), []);
});
