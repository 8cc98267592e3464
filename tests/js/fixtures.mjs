// Form states shared by the unit tests and the Python cross-check, and the outbox's
// in-memory store.

export const MISSING_FROM_CARE = {
  setting: 'care_home', when: '', 'location.postcode': '', 'location.description': '',
  'subject.given_name': ' Amira ', 'subject.family_name': 'Okoro', 'subject.known_as': 'Mira, , Ams',
  'subject.date_of_birth': '', 'subject.approx_age': '14', 'subject.sex': '', 'subject.nhs_number': '',
  'subject.legal_status': 'looked_after', 'subject.placing_authority': 'Northshire',
  categories: ['missing'], 'missing.missing_from': "Oakview Children's Home", 'missing.reported_at': '2026-11-25T22:15',
  'missing.found_at': '', 'missing.police_risk': 'medium', 'missing.police_ref': '',
  source: 'observed', 'ind.found_far_from_home.present': 'yes', 'ind.found_far_from_home.basis': 'observed',
  'ind.found_with_unknown_adults.present': 'no', 'ind.cars_with_unknown_adults.present': '', 'ind.adult_of_concern.present': 'possible', 'ind.adult_of_concern.basis': '',
  child_words: '', narrative: 'Not back by curfew.', level: 'child_in_need', rationale: 'Third time this month.',
  'assoc.0.kind': 'vehicle', 'assoc.0.registration': 'AB12 CDE', 'assoc.0.description': '',
  'assoc.3.kind': 'phone', 'assoc.3.number': '', 'assoc.3.description': '',
  actions_taken: [], 'sharing.consent': 'given', 'sharing.not_sought_reason': 'delay', 'sharing.protect_identity_of': '',
};

// A plain in-memory store with the shape of db.outboxStore.
export function memoryStore(items) {
  const outbox = new Map(items.map((i) => [i.client_id, i]));
  const sent = new Map();
  return {
    outbox,
    sent,
    all: async () => [...outbox.values()],
    put: async (item) => void outbox.set(item.client_id, item),
    remove: async (id) => void outbox.delete(id),
    putSent: async (record) => void sent.set(record.client_id, record),
  };
}
