import assert from 'node:assert/strict';
import { test } from 'node:test';

import { byRoutingOrder } from '../../pwa/home.js';

const at = '2026-12-03T04:04:00+00:00';
const later = '2026-12-03T05:10:00+00:00';
const delivered = [
  { inbox: 'Safeguarding lead', agency: 'Riverside Police', kind: 'escalation', delivered_at: later },
  { inbox: 'Missing Coordinator', agency: "Riverside Children's Social Care", kind: 'routed', delivered_at: at },
  { inbox: 'Home Manager', agency: "Oakview Children's Home", kind: 'routed', delivered_at: at },
  { inbox: 'MASH', agency: "Riverside Children's Social Care", kind: 're_referral', delivered_at: at },
];

test('inboxes on a card: routed first, escalations as they came, then by name', () => {
  assert.deepEqual(byRoutingOrder(delivered).map((d) => d.inbox),
    ['Home Manager', 'MASH', 'Missing Coordinator', 'Safeguarding lead']);
});

test('the same order whatever order the server answered in', () => {
  const once = byRoutingOrder(delivered).map((d) => d.inbox);
  for (const shuffled of [[...delivered].reverse(), [delivered[2], delivered[0], delivered[3], delivered[1]]]) {
    assert.deepEqual(byRoutingOrder(shuffled).map((d) => d.inbox), once);
  }
  assert.equal(delivered[0].inbox, 'Safeguarding lead'); // the list given is left as it was
});
