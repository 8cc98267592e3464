"""Normalisation of identifiers before blind indexing.

Two spellings of the same identifier must give the same index, so every rule below is
written down, tested, and changes only with a new index version. Rules:

- names: Unicode NFKC, case-folded; letters without a decomposition transliterated
  (æ->ae, ø->o, ł->l, þ->th, Cyrillic to Latin); accents stripped (NFKD, combining marks
  dropped); apostrophes, hyphens, dots, spaces and all other non-alphanumerics removed, so
  "O'Brien" = "OBrien" = "o brien" and "Mary-Jane" = "Mary Jane" = "maryjane";
- name + date of birth: ``given|family|YYYY-MM-DD``;
- phonetic family key: American Soundex (US National Archives rules) of the normalised
  family name, with the year of birth: ``S530|2010``;
- NHS number: ten digits after removing spaces and hyphens, Modulus 11 check digit valid;
- UK vehicle registration: upper case, everything but letters and digits removed
  ("ab12 cde" = "AB12CDE");
- phone number: E.164 (``+`` and 8-15 digits); a national number starting ``0`` is UK
  (07700 900123 = +447700900123), ``00`` is an international prefix, ``(0)`` is dropped;
- postcode: upper case without spaces, checked against the UK postcode pattern;
- online account: platform (case-folded letters and digits) and handle (NFKC, case-folded,
  leading ``@`` and spaces removed): ``instagram:some.name``;
- nickname: as a name;
- address: as a name, words kept apart, with common street abbreviations expanded.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date

from crypto.errors import InvalidIdentifier

_TRANSLIT = str.maketrans(
    {
        "æ": "ae",
        "ø": "o",
        "œ": "oe",
        "ł": "l",
        "đ": "d",
        "ð": "d",
        "þ": "th",
        "ı": "i",
        "ŋ": "ng",
        "ħ": "h",
        "ŧ": "t",
        "ß": "ss",
        # Cyrillic, after BGN/PCGN romanisation, lower case only (text is case-folded first)
        "а": "a",
        "б": "b",
        "в": "v",
        "г": "g",
        "д": "d",
        "е": "e",
        "ё": "e",
        "ж": "zh",
        "з": "z",
        "и": "i",
        "й": "y",
        "к": "k",
        "л": "l",
        "м": "m",
        "н": "n",
        "о": "o",
        "п": "p",
        "р": "r",
        "с": "s",
        "т": "t",
        "у": "u",
        "ф": "f",
        "х": "kh",
        "ц": "ts",
        "ч": "ch",
        "ш": "sh",
        "щ": "shch",
        "ъ": "",
        "ы": "y",
        "ь": "",
        "э": "e",
        "ю": "yu",
        "я": "ya",
        "і": "i",
        "ї": "yi",
        "є": "ye",
        "ґ": "g",
    }
)
_NON_ALNUM = re.compile(r"[^a-z0-9]+")
_POSTCODE = re.compile(r"^(GIR0AA|[A-Z]{1,2}[0-9][A-Z0-9]?[0-9][ABD-HJLNP-UW-Z]{2})$")
_STREET_WORDS = {
    "rd": "road",
    "st": "street",
    "ave": "avenue",
    "av": "avenue",
    "ln": "lane",
    "cl": "close",
    "cres": "crescent",
    "dr": "drive",
    "ct": "court",
    "pl": "place",
    "sq": "square",
    "gdns": "gardens",
    "tce": "terrace",
    "flt": "flat",
}


def _fold(text: str) -> str:
    """Case-fold, transliterate and strip accents, leaving lower-case ASCII where possible."""
    folded = unicodedata.normalize("NFKC", text).casefold().translate(_TRANSLIT)
    decomposed = unicodedata.normalize("NFKD", folded)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def _words(text: str) -> list[str]:
    # Apostrophes, hyphens and dots join the parts of one name ("O'Brien", "Mary-Jane").
    joined = re.sub(r"['’‘`.\-‐‑]", "", _fold(text))
    return [w for w in _NON_ALNUM.split(joined) if w]


def name(text: str) -> str:
    """Normalise one name (given names or family name) to a single token."""
    token = "".join(_words(text))
    if not token:
        raise InvalidIdentifier("a name needs at least one letter or digit")
    return token


def name_dob(given: str, family: str, date_of_birth: date) -> str:
    """Normalise the strong key: full name with date of birth."""
    return f"{name(given)}|{name(family)}|{date_of_birth.isoformat()}"


def soundex(text: str) -> str:
    """Return the American Soundex code of a name (first letter and three digits)."""
    letters = "".join(ch for ch in name(text) if "a" <= ch <= "z")
    if not letters:
        raise InvalidIdentifier("a phonetic key needs a name with letters")
    codes = {
        c: d
        for d, group in enumerate(("aeiouyhw", "bfpv", "cgjkqsxz", "dt", "l", "mn", "r"))
        for c in group
    }
    out = letters[0].upper()
    last = codes[letters[0]]
    for ch in letters[1:]:
        code = codes[ch]
        if code and code != last:
            out += str(code)
        # h and w do not separate letters with the same code; vowels do
        if ch not in "hw":
            last = code
    return (out + "000")[:4]


def phonetic_year(family: str, year_of_birth: int) -> str:
    """Normalise the weak key: phonetic family name with year of birth."""
    return f"{soundex(family)}|{year_of_birth:04d}"


def nhs_number(text: str) -> str:
    """Normalise an NHS number, refusing one whose Modulus 11 check digit is wrong."""
    digits = re.sub(r"[\s\-]", "", text)
    if not re.fullmatch(r"[0-9]{10}", digits):
        raise InvalidIdentifier("an NHS number has ten digits")
    total = sum(int(d) * w for d, w in zip(digits[:9], range(10, 1, -1), strict=True))
    check = 11 - total % 11
    if check == 11:
        check = 0
    if check == 10 or check != int(digits[9]):
        raise InvalidIdentifier("the NHS number's check digit is wrong")
    return digits


def vehicle_registration(text: str) -> str:
    """Normalise a vehicle registration mark."""
    mark = re.sub(r"[^A-Z0-9]", "", unicodedata.normalize("NFKC", text).upper())
    if not 2 <= len(mark) <= 8:
        raise InvalidIdentifier("a registration has 2 to 8 letters and digits")
    return mark


def phone_number(text: str) -> str:
    """Normalise a phone number to E.164, reading national numbers as UK numbers."""
    raw = unicodedata.normalize("NFKC", text).strip().replace("(0)", "")
    raw = re.sub(r"[\s\-.()/]", "", raw)
    if raw.startswith("+"):
        digits = raw[1:]
    elif raw.startswith("00"):
        digits = raw[2:]
    elif raw.startswith("0"):
        digits = "44" + raw[1:]
    else:
        digits = raw
    if not re.fullmatch(r"[1-9][0-9]{7,14}", digits):
        raise InvalidIdentifier("a phone number has 8 to 15 digits")
    return "+" + digits


def postcode(text: str) -> str:
    """Normalise a UK postcode."""
    code = re.sub(r"\s", "", unicodedata.normalize("NFKC", text)).upper()
    if not _POSTCODE.match(code):
        raise InvalidIdentifier("not a UK postcode")
    return code


def online_account(platform: str, handle: str) -> str:
    """Normalise an online account as platform and handle."""
    plat = "".join(_words(platform))
    user = re.sub(r"\s", "", unicodedata.normalize("NFKC", handle).casefold()).lstrip("@")
    if not plat or not user:
        raise InvalidIdentifier("an online account needs a platform and a handle")
    return f"{plat}:{user}"


def nickname(text: str) -> str:
    """Normalise a nickname or known-as name."""
    return name(text)


def address(text: str) -> str:
    """Normalise a free-text address, words kept apart and abbreviations expanded."""
    words = [_STREET_WORDS.get(w, w) for w in _words(text)]
    if not words:
        raise InvalidIdentifier("an address needs at least one word")
    return " ".join(words)
