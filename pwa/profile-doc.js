// The child's profile as the phone seals it (frontline.profile/1), built from the form's
// flat state, and the form's state read back from a profile opened for editing. Pure: no
// DOM, no storage, so node tests it as it is.

export const SCHEMA = 'frontline.profile/1';

const DESCRIPTION = ['build', 'hair', 'eyes', 'skin', 'distinguishing_features', 'usual_clothing', 'languages'];
const HEALTH = ['needs', 'medication', 'allergies'];
// Lists typed one to a line: people by kind (as a concern's associated[]), places, phones.
const PEOPLE = { adults: 'adult_of_concern', friends: 'peer' };

const trim = (value) => String(value || '').trim();
export const linesOf = (text) => String(text || '').split('\n').map((l) => l.trim()).filter(Boolean);

function some(entries) {
  const kept = Object.fromEntries(entries.filter(([, v]) => v !== '' && v !== undefined && v !== null));
  return Object.keys(kept).length ? kept : null;
}

// "Snapchat: zee_11" -> { platform, handle }; a line without a colon is a handle somewhere.
function account(line) {
  const at = line.indexOf(':');
  return at > 0 ? { platform: line.slice(0, at).trim(), handle: line.slice(at + 1).trim() } : { platform: 'not known', handle: line };
}

// What is missing or wrong before sealing: { field, message } in the form's words.
export function problems(state) {
  const out = [];
  if (!trim(state.given_name) && !trim(state.family_name) && !trim(state.known_as)) {
    out.push({ field: 'given_name', message: "Give the child's name, or the name they are known by." });
  }
  if (!state.date_of_birth) out.push({ field: 'date_of_birth', message: 'Give the date of birth.' });
  if (!state.review_due) out.push({ field: 'review_due', message: 'Give the date to review this profile by.' });
  const height = trim(state.height_cm);
  if (height && !(/^\d{2,3}$/.test(height) && Number(height) >= 30 && Number(height) <= 250)) {
    out.push({ field: 'height_cm', message: 'Height in centimetres, e.g. 158.' });
  }
  return out;
}

// photos: [{ attachment, sha256, taken_at, caption? }] as the phone keeps them.
export function buildProfile(state, { clientId, profileId, recordedAt, photos = [] }) {
  const subject = some([
    ['given_name', trim(state.given_name)],
    ['family_name', trim(state.family_name)],
    ['known_as', linesOf(state.known_as).length ? linesOf(state.known_as) : null],
    ['date_of_birth', state.date_of_birth || null],
    ['nhs_number', trim(state.nhs_number)],
  ]) || {};
  const height = trim(state.height_cm);
  const description = some([
    ['height_cm', height ? Number(height) : null],
    ...DESCRIPTION.map((k) => [k, trim(state[k])]),
  ]) || {};
  const health = some(HEALTH.map((k) => [k, trim(state[k])]));
  const associates = Object.entries(PEOPLE).flatMap(([field, kind]) => linesOf(state[field]).map((name) => ({ kind, name })));
  const document = {
    schema: SCHEMA,
    client_id: clientId,
    profile_id: profileId,
    recorded_at: recordedAt,
    subject,
    description,
    associates,
    places: linesOf(state.places).map((name) => ({ name })),
    phones: linesOf(state.phones),
    accounts: linesOf(state.accounts).map(account),
    photos: photos.map(({ attachment, sha256, taken_at: takenAt, caption }) => ({
      attachment, sha256, taken_at: takenAt, ...(caption ? { caption } : {}),
    })),
    review_due: state.review_due,
  };
  if (health) document.health = health;
  return document;
}

// The form's state from a profile as read (GET /api/v1/profiles/{id}).
export function stateOf(profile) {
  const subject = profile.subject || {};
  const description = profile.description || {};
  const health = profile.health || {};
  const people = (kind) => (profile.associates || []).filter((a) => a.kind === kind).map((a) => a.name || a.nickname || '').filter(Boolean).join('\n');
  return {
    given_name: subject.given_name || '',
    family_name: subject.family_name || '',
    known_as: (subject.known_as || []).join('\n'),
    date_of_birth: subject.date_of_birth || '',
    nhs_number: subject.nhs_number || '',
    height_cm: description.height_cm ? String(description.height_cm) : '',
    ...Object.fromEntries(DESCRIPTION.map((k) => [k, description[k] || ''])),
    ...Object.fromEntries(HEALTH.map((k) => [k, health[k] || ''])),
    adults: people('adult_of_concern'),
    friends: people('peer'),
    places: (profile.places || []).map((p) => p.name || p.description || p.postcode || '').filter(Boolean).join('\n'),
    phones: (profile.phones || []).join('\n'),
    accounts: (profile.accounts || []).map((a) => `${a.platform}: ${a.handle}`).join('\n'),
    review_due: profile.review_due || '',
  };
}

// Three months from `now`, as "2027-03-03": the review date a new profile starts with.
export function reviewFrom(now = new Date()) {
  const d = new Date(now.getFullYear(), now.getMonth() + 3, now.getDate());
  const pad = (n) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;
}
