import assert from 'node:assert/strict';
import { test } from 'node:test';

import { partsOf, readDay, readTime, ukDate, ukDateTime } from '../../pwa/dates.js';

test('times read the UK way whatever the locale', () => {
  assert.equal(ukDateTime(new Date(2026, 11, 3, 4, 4)), '3 Dec 2026, 04:04');
  assert.equal(ukDateTime('2026-12-03T04:04'), '3 Dec 2026, 04:04'); // a datetime-local value is local time
  assert.equal(ukDate('2012-05-01'), '1 May 2012'); // a calendar day, not midnight UTC
  assert.equal(ukDateTime(''), '');
  assert.equal(ukDate(null), '');
});

test('the form reads what a phone keyboard types', () => {
  assert.equal(readTime('0404'), '04:04');
  assert.equal(readTime('4:04'), '04:04');
  assert.equal(readTime('23.59'), '23:59');
  assert.equal(readTime('24:00'), null);
  assert.equal(readTime('4'), null);
  assert.equal(readDay('3', '12', '2026'), '2026-12-03');
  assert.equal(readDay('31', '2', '2026'), null); // no such day
  assert.equal(readDay('3', '12', '26'), null); // the year in full
  assert.deepEqual(partsOf('2026-12-03T04:04'), { day: '3', month: '12', year: '2026', time: '04:04' });
  assert.deepEqual(partsOf('2012-05-01'), { day: '1', month: '5', year: '2012', time: '' });
  assert.deepEqual(partsOf(''), { day: '', month: '', year: '', time: '' });
});
