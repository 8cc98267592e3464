// The language check: flags phrases that blame a child for abuse done to them, says why,
// and offers words to use instead. Advisory, never blocking; works offline (the term list
// is part of the app shell). The server counts the same terms (backend/domain/language.py).

export function compile(data) {
  return data.terms.map((term) => ({
    term,
    regex: new RegExp(term.patterns.join('|'), 'giu'),
  }));
}

// Every flagged phrase in text, in order, without overlaps (the earliest, longest wins).
export function check(text, compiled) {
  const found = [];
  for (const { term, regex } of compiled) {
    regex.lastIndex = 0;
    for (const match of text.matchAll(regex)) {
      found.push({
        start: match.index,
        end: match.index + match[0].length,
        text: match[0],
        id: term.id,
        why: term.why,
        advice: term.advice,
        replacements: term.replacements,
      });
    }
  }
  found.sort((a, b) => a.start - b.start || b.end - a.end);
  const kept = [];
  for (const f of found) {
    if (!kept.length || f.start >= kept[kept.length - 1].end) kept.push(f);
  }
  return kept;
}

// The text with one flagged phrase replaced by a suggestion (one tap to accept).
export function accept(text, finding, replacement) {
  if (text.slice(finding.start, finding.end) !== finding.text) return text;
  return text.slice(0, finding.start) + replacement + text.slice(finding.end);
}

// Counts per term id: what the server's aggregate language metrics count too.
export function counts(text, compiled) {
  const out = {};
  for (const f of check(text, compiled)) out[f.id] = (out[f.id] || 0) + 1;
  return out;
}
