// Possible matches and merges in the domain's words (docs/domain/linking.md): which keys
// agreed, and each record in brief. Pure: no DOM, no requests, so node --test reads it.

export const KIND_WORDS = {
  nhs_number: 'NHS number',
  name_dob: 'name with date of birth',
  phonetic_year: 'family name with year of birth',
  known_as_year: 'known-as name with year of birth',
  postcode: 'home postcode',
  given_dob: 'given name with date of birth',
};

// The order a person reads them in: strongest first, whatever order the server sent.
const ORDER = Object.keys(KIND_WORDS);

// "NHS number, home postcode and given name with date of birth". A kind this phone does
// not know yet is said plainly rather than shown as a code.
export function kindsInWords(kinds) {
  const known = [...new Set(kinds)].sort((a, b) => rank(a) - rank(b));
  return andList(known.map((k) => KIND_WORDS[k] || k.replace(/_/g, ' ')));
}

function andList(words) {
  if (words.length < 2) return words.join('');
  return `${words.slice(0, -1).join(', ')} and ${words[words.length - 1]}`;
}

function rank(kind) {
  const at = ORDER.indexOf(kind);
  return at < 0 ? ORDER.length : at;
}

const plural = (n, one, many) => `${n} ${n === 1 ? one : many}`;

// Why the two records may be one child. With a conflict, one concern's keys matched each
// record by a different kind; without, the records share the keys that agreed.
export function whyInWords(match) {
  const matched = match.conflict && match.conflict.matched;
  if (matched && matched[match.subject_id] && matched[match.candidate_id]) {
    return `One concern matched both records: record 1 by ${kindsInWords(matched[match.subject_id])}, `
      + `record 2 by ${kindsInWords(matched[match.candidate_id])}.`;
  }
  return `Both records have the same ${kindsInWords(match.kinds)}.`;
}

// One record in brief: "2 concerns, from Riverside Police and Riverside Health". Dates are
// formatted by the caller (`when`), as every other screen does.
export function sideInWords(side) {
  if (!side || !side.concerns) return 'No concerns';
  const from = side.agencies.length ? `, from ${andList(side.agencies)}` : '';
  return `${plural(side.concerns, 'concern', 'concerns')}${from}`;
}

export function spanInWords(side, when) {
  if (!side || !side.first_recorded_at) return '';
  const first = when(side.first_recorded_at);
  const last = when(side.last_recorded_at);
  return first === last ? `Recorded ${first}` : `First recorded ${first}; last ${last}`;
}

// What a split did, in a sentence for the notice: only what it changed.
export function splitInWords(split) {
  const parts = [];
  if (split.concerns_moved) parts.push(plural(split.concerns_moved, 'concern moved back', 'concerns moved back'));
  if (split.alerts_withdrawn) parts.push(plural(split.alerts_withdrawn, 'alert withdrawn', 'alerts withdrawn'));
  if (split.alerts_rebuilt) parts.push(plural(split.alerts_rebuilt, 'alert updated', 'alerts updated'));
  const what = parts.length ? ` ${parts.join(', ')}.` : '';
  return `Split: the records are two children again.${what}`;
}
