"""Passing a term over when a narrative lacks its words flags exactly what running every
term flags: the same spans, the same terms, in the same order (the phone runs every term,
pwa/lint.js, and the two must agree).

The reference below is ``findings`` as it was before: every term's patterns over the whole
text.
"""

from __future__ import annotations

import json
import re

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from backend.domain import language

TERMS = json.loads(language.TERMS_FILE.read_text(encoding="utf-8"))["terms"]
REGEXES = [
    (term["id"], re.compile("|".join(term["patterns"]), re.IGNORECASE | re.ASCII)) for term in TERMS
]


def _reference(text: str) -> list[tuple[int, int, str]]:
    found = [(m.start(), m.end(), term) for term, regex in REGEXES for m in regex.finditer(text)]
    found.sort(key=lambda f: (f[0], -f[1]))
    kept: list[tuple[int, int, str]] = []
    for f in found:
        if not kept or f[0] >= kept[-1][1]:
            kept.append(f)
    return kept


# Every word the patterns spell, cut short and run on; everyday words of a narrative;
# characters that case-fold or lower-case to ASCII letters in Unicode (Kelvin sign, long
# s, dotted capital I) or are letters to JavaScript but not to an ASCII \b.
WORDS = sorted(
    {w for term in TERMS for p in term["patterns"] for w in re.findall(r"[a-z]+", p) if len(w) > 1}
)
PIECES = (
    WORDS
    + [w[:-1] for w in WORDS if len(w) > 3]
    + [w + "s" for w in WORDS]
    + ["the", "she", "he", "was", "seen", "with", "an", "adult", "girl", "boy", "x"]
    + ["\u212a", "\u017f", "\u0130", "é", "ß", "_", "1", "-", "'", "."]
)
SEPARATORS = [" ", "  ", "\n", "\t", "-", " - ", "", ", ", ".", "_"]


CASES = {
    "lower": str.lower,
    "upper": str.upper,
    "title": str.title,
    "mixed": lambda w: "".join(c.upper() if i % 2 else c for i, c in enumerate(w)),
}


def _narrative(parts: list[tuple[str, str, str]]) -> str:
    return "".join(CASES[case](word) + separator for word, case, separator in parts)


NARRATIVES = st.lists(
    st.tuples(st.sampled_from(PIECES), st.sampled_from(sorted(CASES)), st.sampled_from(SEPARATORS)),
    max_size=40,
).map(_narrative)


def _phrases() -> list[str]:
    """A phrase each pattern flags, taken from the docs' own examples of each term."""
    return [
        "putting herself at risk",
        "Sexually active",
        "contacting older men",
        "drugs in return for sex, exchanging sex",
        "involved in county lines; gang members",
        "prostituting herself, child prostitution",
        "older boyfriend, in a relationship with, associating with, spending time with",
        "sexting, sending naked pics, child pornography",
        "risk-taking behaviour, risky choices, poor decisions, lifestyle choice",
        "recruited, working for, drug runner, runners",
        "keeps going missing, keeps running away, goes back to them",
        "money mules, plugging, slave, gift girls",
        "hard to reach, dis-engaged, non-engagement, refused to engage",
        "wilful, willful, street-wise, streetwise, promiscuous, consented, difficult girl",
    ]


def test_every_term_still_flags_its_phrases() -> None:
    for phrase in _phrases():
        assert language.findings(phrase) == _reference(phrase) != [], phrase
        assert language.findings(phrase.upper()) == _reference(phrase.upper()) != [], phrase


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(NARRATIVES)
def test_any_narrative_is_flagged_as_by_every_term(text: str) -> None:
    assert language.findings(text) == _reference(text)


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet=st.sampled_from(sorted(set("".join(PIECES) + " -\n"))), max_size=200))
def test_any_string_of_their_letters_is_flagged_as_by_every_term(text: str) -> None:
    assert language.findings(text) == _reference(text)


def test_each_pattern_is_read_for_its_words() -> None:
    # A pattern read for no words would run on every narrative: still right, but slow.
    assert all(language.needs(p) for term in TERMS for p in term["patterns"])
    assert language.needs(r"\bstreet(?:\s*-)?\s*wise\b") == (("street",), ("wise",))
    assert language.needs(r"\b(?:a|bc)\s+de\b") == (("de",), ("a", "bc"))
    # What a match may leave out is never required of it.
    assert language.needs(r"\b(?:child\s+)?prostitut(?:ion|es?)\b")[0] == ("prostitut",)
    assert language.needs(r"[a-z]+|x") == ()
    assert language.needs(r"\b(send)(?:s|ing)?\s+(nudes?)\b") == (("send",), ("nude",))
    # A non-ASCII letter ends a word: only ASCII letters are sure to lower-case alike.
    assert language.needs("\\bcaf\u00e9s?\\b") == (("caf",),)
