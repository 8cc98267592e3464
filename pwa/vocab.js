// The words on the form: every code of docs/contract.md with the label a recorder reads, and
// which indicators to offer for which categories (docs/domain/indicators.md).

export const SETTINGS = {
  patrol: 'On patrol', school: 'School', health: 'Health setting', care_home: 'Care home',
  social_care: 'Social care', youth_justice: 'Youth justice', other: 'Other',
};

// The profile's agency kind presets the setting.
export const SETTING_FOR_AGENCY = {
  police: 'patrol', education: 'school', health: 'health', care_home: 'care_home',
  social_care: 'social_care', youth_justice: 'youth_justice',
};

// The first six are on the form at once; the rest one tap away (record.js, data-first).
export const CATEGORIES = {
  missing: 'Missing', sexual_exploitation: 'Sexual exploitation',
  criminal_exploitation: 'Criminal exploitation', online_sexual_abuse: 'Online sexual abuse',
  neglect: 'Neglect', physical_abuse: 'Physical abuse',
  trafficking: 'Trafficking', financial_exploitation: 'Financial exploitation',
  sexual_abuse_in_family: 'Sexual abuse in the family',
  emotional_abuse: 'Emotional abuse', domestic_abuse: 'Domestic abuse',
  harmful_sexual_behaviour: 'Harmful sexual behaviour', self_harm: 'Self-harm',
  substance_harm: 'Drugs or alcohol', fgm_honour_forced_marriage: 'FGM, honour, forced marriage',
  radicalisation: 'Radicalisation', other: 'Other',
};

export const INDICATORS = {
  injuries: 'Injuries suggesting assault', sexual_health: 'Sexually transmitted infection',
  pregnancy: 'Pregnancy or termination', self_harm: 'Self-harm or suicidal thoughts',
  substance_misuse: 'Alcohol or drug misuse', appearance_change: 'Change in appearance',
  learning_disability: 'Learning disability', harmful_sexual_behaviour: 'Harmful sexual behaviour',
  school_absence: 'School absence or drop in attainment', offending: 'Offending or antisocial behaviour',
  behaviour_change: 'Secretive, volatile or withdrawn', sexualised_language: 'Sexualised language',
  cars_with_unknown_adults: 'In cars driven by unknown adults',
  exploitation_hotspot: 'Seen at a place known for exploitation',
  phone_use: 'Late-night calls or several phones', unexplained_gifts_money: 'Unexplained money, gifts, new phone',
  adult_of_concern: 'Adult of concern ("older boyfriend")',
  links_to_exploited_children: 'Links to other exploited children',
  hotels_takeaways_taxis: 'Hotels, takeaways, taxis', taken_to_other_towns: 'Taken to unfamiliar towns',
  missing_episode: 'Missing episode', found_far_from_home: 'Found far from home',
  found_with_unknown_adults: 'Found with unknown adults', online_contact_adults: 'Contact from unknown adults online',
  images_requested_or_shared: 'Images requested or shared', disclosure: 'The child disclosed abuse',
};

// High-weight signs (H in the screening table) are listed first and marked.
export const HIGH_WEIGHT = new Set([
  'injuries', 'sexual_health', 'pregnancy', 'harmful_sexual_behaviour', 'cars_with_unknown_adults',
  'exploitation_hotspot', 'phone_use', 'adult_of_concern', 'links_to_exploited_children',
  'taken_to_other_towns',
]);

const CONTEXT = ['cars_with_unknown_adults', 'exploitation_hotspot', 'phone_use', 'unexplained_gifts_money',
  'adult_of_concern', 'links_to_exploited_children', 'hotels_takeaways_taxis', 'taken_to_other_towns'];
const HEALTH = ['injuries', 'sexual_health', 'pregnancy', 'self_harm', 'substance_misuse', 'appearance_change'];
const BEHAVIOUR = ['behaviour_change', 'school_absence', 'offending', 'sexualised_language'];

export const INDICATORS_FOR = {
  missing: ['missing_episode', 'found_far_from_home', 'found_with_unknown_adults', 'cars_with_unknown_adults',
    'unexplained_gifts_money', 'adult_of_concern', 'substance_misuse', 'taken_to_other_towns'],
  sexual_exploitation: [...CONTEXT, ...HEALTH, 'sexualised_language', 'behaviour_change', 'school_absence'],
  criminal_exploitation: [...CONTEXT, 'offending', 'injuries', 'substance_misuse', 'school_absence', 'behaviour_change'],
  trafficking: [...CONTEXT, 'found_far_from_home', 'missing_episode'],
  financial_exploitation: ['unexplained_gifts_money', 'adult_of_concern', 'phone_use', 'behaviour_change'],
  online_sexual_abuse: ['online_contact_adults', 'images_requested_or_shared', 'phone_use', 'adult_of_concern',
    'behaviour_change', 'sexualised_language'],
  harmful_sexual_behaviour: ['harmful_sexual_behaviour', 'sexualised_language', 'behaviour_change'],
};
const GENERAL = ['injuries', 'self_harm', 'substance_misuse', 'behaviour_change', 'school_absence', 'learning_disability'];

// The indicators to offer for the chosen categories, high-weight first, without repeats.
// "Missing episode" is not asked when Missing is the category: it would ask again what the
// recorder has just said (linking counts the category, backend/services/linking/windows.py).
export function indicatorsFor(categories, { disclosure = false } = {}) {
  const codes = new Set();
  for (const category of categories) for (const code of INDICATORS_FOR[category] || GENERAL) codes.add(code);
  if (disclosure || categories.length) codes.add('disclosure');
  if (categories.includes('missing')) codes.delete('missing_episode');
  return [...codes].sort((a, b) => Number(HIGH_WEIGHT.has(b)) - Number(HIGH_WEIGHT.has(a)));
}

export const BASIS = { observed: 'Observed', reported: 'Reported to me', opinion: 'Professional opinion', gut_feeling: 'Gut feeling' };
// A sign's answer. "No" is offered so a tap can be taken back; it is sent as nothing.
export const PRESENT = { yes: 'Yes', possible: 'Possible' };
export const SOURCES = {
  observed: 'I saw it', disclosure: 'The child told me', reported_by_other: 'Someone told me',
  professional_concern: 'Professional concern',
};
export const LEVELS = {
  information: 'Information', early_help: 'Early help', child_in_need: 'Child in need',
  significant_harm: 'Significant harm', immediate_danger: 'Immediate danger',
};
export const POLICE_RISK = { no_apparent_risk: 'No apparent risk', low: 'Low', medium: 'Medium', high: 'High' };
// The missing report's facts as a reader sees them (docs/contract.md, "missing").
export const MISSING_FIELDS = {
  missing_from: 'Missing from', reported_at: 'Reported missing', found_at: 'Found',
  found_where: 'Found where', found_with: 'Found with', returned_how: 'How they came back',
  police_risk: 'Police risk grading', police_ref: 'Police reference',
};
export const ACTIONS = {
  emergency_services_called: 'Emergency services called', police_protection: 'Police protection',
  place_of_safety: 'Place of safety', medical_care: 'Medical care', taken_home: 'Taken home',
  none: 'None', other: 'Other',
};
export const CONSENT = { given: 'Given', refused: 'Refused', not_sought: 'Not sought' };
export const NOT_SOUGHT = {
  risk_to_child: 'It would put the child at risk', delay: 'It would cause delay',
  evidence_loss: 'Evidence could be lost', risk_to_others: 'It would put others at risk',
  lacks_capacity: 'The person lacks capacity',
};
export const SEX = { female: 'Female', male: 'Male', other: 'Other', unknown: 'Not known' };
export const LEGAL_STATUS = {
  none_known: 'None known', early_help: 'Early help', child_in_need: 'Child in need',
  child_protection_plan: 'Child protection plan', looked_after: 'Looked after', care_leaver: 'Care leaver',
  unknown: 'Not known',
};

// Quick-add kinds of associated people and things, with the fields each shows.
export const ASSOCIATED = {
  adult_of_concern: { label: 'Adult', fields: ['name', 'nickname', 'approx_age', 'description'] },
  vehicle: { label: 'Vehicle', fields: ['registration', 'description'] },
  phone: { label: 'Phone', fields: ['number', 'description'] },
  location: { label: 'Place', fields: ['address', 'postcode', 'description'] },
  online_account: { label: 'Online account', fields: ['platform', 'handle'] },
  peer: { label: 'Another child', fields: ['name', 'nickname', 'approx_age', 'description'] },
  carer: { label: 'Carer', fields: ['name', 'description'] },
};
export const FIELD_LABELS = {
  name: 'Name', nickname: 'Nickname', approx_age: 'Approximate age', description: 'Description',
  registration: 'Registration', number: 'Number', address: 'Address', postcode: 'Postcode',
  platform: 'Platform', handle: 'Username or handle',
};

export const OUTCOMES = {
  no_further_action: 'No further action', early_help: 'Early help',
  child_in_need_assessment: 'Child in need assessment', strategy_discussion: 'Strategy discussion',
  immediate_protection: 'Immediate protection', referred_elsewhere: 'Referred elsewhere',
};
export const ALERT_KINDS = {
  repeated_missing: 'Repeated missing episodes', multi_agency: 'Concerns from several agencies',
  cumulative: 'Concerns adding up', network: 'Possible network',
  young_child_high_risk: 'Young child with a high-risk sign',
};
// How strong an alert's links are (the server's `strength`), in words.
export const ALERT_STATUSES = { open: 'Open', merged: 'Merged into another', closed: 'Closed' };
export const ALERT_STRENGTHS = {
  strong: 'Strong link', medium: 'Medium link', weak: 'Weak link: several small signs',
};
// Why a record is opened: the server logs the code only (backend/services/concerns/purposes.py holds
// the same list); any words go in a note sealed with the record, never in the audit log.
export const PURPOSES = {
  assess_new_concern: 'Screening a new concern',
  decide: 'Deciding what to do with a referral',
  strategy_discussion: 'Strategy discussion',
  multi_agency_meeting: 'Multi-agency meeting or conference',
  assessment: 'Assessment of the child and family',
  missing_episode: 'Missing episode: search or return interview',
  add_addendum: 'Recording an addendum',
  check_own_record: 'Checking a record I made',
  supervision: 'Supervision',
  escalation_review: 'Reviewing an escalation',
  safeguarding_review: 'Safeguarding practice review or audit',
  court_or_legal: 'Court or legal proceedings',
  subject_access: 'Subject access or information request',
  other: 'Other (say why in the note)',
};

export const label = (table, code) => table[code] || String(code).replace(/_/g, ' ');

// Roles (docs/contract.md, "The demo partnership"), as an admin or the person reads them.
export const ROLES = {
  recorder: 'Recorder', inbox_member: 'Inbox member', inbox_supervisor: 'Inbox supervisor',
  agency_lead: 'Agency safeguarding lead', agency_admin: 'Agency admin',
  partnership_lead: 'Partnership lead', auditor: 'Auditor',
};

// What became of a delivery, as the people on both ends read it (never the status code).
export const DELIVERY_STATUS = {
  new: 'not yet acknowledged', escalated: 'not yet acknowledged, passed up the chain',
  acknowledged: 'acknowledged', decided: 'decided', closed: 'dealt with elsewhere',
};
// A sign as its reader sees it: the recorder's answer, and how the recorder knows it.
export const PRESENT_WORDS = { yes: 'yes', possible: 'possibly' };
export const BASIS_WORDS = {
  observed: 'the recorder saw it', reported: 'reported to the recorder',
  opinion: "the recorder's professional opinion", gut_feeling: "the recorder's gut feeling",
};
// Why the server did not accept a concern, in words a recorder can act on.
export const REJECTED = {
  'concern.field_required': 'Something the form needs is missing. Fix it and send it again.',
  'concern.field_unknown': 'The concern held something the server does not know. Fix it and send it again.',
  'concern.invalid': 'Something in the concern could not be read. Fix it and send it again.',
  'concern.invalid_type': 'Something in the concern could not be read. Fix it and send it again.',
  'concern.out_of_range': 'A number or date is out of range. Fix it and send it again.',
  'concern.time_without_offset': 'A time was given without its time zone. Fix it and send it again.',
  'concern.too_long': 'Some text is too long. Shorten it and send it again.',
  'concern.subject_over_25': "The date of birth or age makes the child over 25. Check it, then send it again.",
  'concern.value_not_allowed': 'One of the choices is not one the server accepts. Fix it and send it again.',
  'envelope.malformed': 'The sealed concern arrived damaged. Fix and resubmit makes a new one.',
  'envelope.too_large': 'The concern is too large to send. Shorten it and send it again.',
  'proof.invalid': 'The passkey proof did not check out. Fix and resubmit seals it again.',
  'proof.missing': 'The passkey proof was missing. Fix and resubmit seals it again.',
  'proof.not_yours': 'It was sealed with a passkey that is not yours. Fix and resubmit seals it again.',
  'proof.passkey_revoked': 'It was sealed with a passkey that has since been revoked. Fix and resubmit seals it again with this one.',
};
