"""Customer-typed identifiers: order numbers, serial numbers, ticket ids and phone numbers.

Customers type these in lower case, with spaces or dashes between digit groups, or in full-width characters
(ＴＰ２０２６…). Everything that reads an identifier from text goes through this module, so the NLU extractor,
the forms and the database queries all agree on one canonical form.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from typing import Dict, List, Optional, Pattern

__all__ = [
    "IDENTIFIER_KINDS",
    "IdentifierMatch",
    "fold_width",
    "find_identifiers",
    "normalize_identifier",
    "mask_phone",
    "labelled_phone_tail",
    "malformed_order_number",
]

# Optional separator customers put between digit groups: a space or a dash (full-width ones are folded first).
_SEP = r"[ \-]?"


def _digits(count: int) -> str:
    """`count` digits, each optionally followed by a separator, the last one not."""
    return rf"(?:\d{_SEP}){{{count - 1}}}\d"


# Canonical forms, from the foundation issue. Values are matched on width-folded, upper-cased text.
_PATTERNS: Dict[str, str] = {
    "order_id": rf"TP{_SEP}{_digits(12)}",
    "serial_number": rf"SN{_SEP}(?:[A-Z0-9]{_SEP}){{9}}[A-Z0-9]",
    "repair_id": rf"WX{_SEP}{_digits(10)}",
    "return_id": rf"TH{_SEP}{_digits(10)}",
    "complaint_id": rf"TS{_SEP}{_digits(10)}",
    # Mainland mobile numbers: 11 digits starting 13-19, often written 3-4-4.
    "phone": rf"1[3-9]\d{_SEP}\d{{4}}{_SEP}\d{{4}}",
}

IDENTIFIER_KINDS = tuple(_PATTERNS)

# An identifier must not be glued to more letters or digits on either side ("TP2026110500171" is not an order).
_COMPILED: Dict[str, Pattern[str]] = {
    kind: re.compile(rf"(?<![A-Z0-9])(?:{pattern})(?![A-Z0-9])") for kind, pattern in _PATTERNS.items()
}
_CANONICAL: Dict[str, Pattern[str]] = {
    "order_id": re.compile(r"TP\d{12}"),
    "serial_number": re.compile(r"SN[A-Z0-9]{10}"),
    "repair_id": re.compile(r"WX\d{10}"),
    "return_id": re.compile(r"TH\d{10}"),
    "complaint_id": re.compile(r"TS\d{10}"),
    "phone": re.compile(r"1[3-9]\d{9}"),
}


@dataclass(frozen=True)
class IdentifierMatch:
    """An identifier found in a message: its kind, canonical value and span in the original text."""

    kind: str
    value: str
    start: int
    end: int
    text: str


def fold_width(text: str) -> str:
    """Fold full-width and compatibility characters to ASCII, one character for one.

    Keeping the length unchanged lets matches on the folded text point back into the original message.
    """
    return "".join(_fold_char(ch) for ch in text)


def _fold_char(ch: str) -> str:
    folded = unicodedata.normalize("NFKC", ch)
    if len(folded) != 1:
        return ch
    if folded == "\u3000":
        return " "
    return folded


def _upper_ascii(text: str) -> str:
    # str.upper() can change length ("ß" -> "SS"); only ASCII letters are upper-cased.
    return "".join(ch.upper() if "a" <= ch <= "z" else ch for ch in text)


def _canonical(raw: str) -> str:
    return re.sub(r"[ \-]", "", raw)


def find_identifiers(text: str) -> List[IdentifierMatch]:
    """Every identifier in `text`, in order of appearance, with overlapping matches resolved longest first."""
    searchable = _upper_ascii(fold_width(text))
    candidates: List[IdentifierMatch] = []
    for kind, pattern in _COMPILED.items():
        for match in pattern.finditer(searchable):
            candidates.append(
                IdentifierMatch(
                    kind=kind,
                    value=_canonical(match.group(0)),
                    start=match.start(),
                    end=match.end(),
                    text=text[match.start() : match.end()],
                )
            )
    return _without_overlaps(candidates)


def _without_overlaps(candidates: List[IdentifierMatch]) -> List[IdentifierMatch]:
    chosen: List[IdentifierMatch] = []
    for candidate in sorted(candidates, key=lambda m: (-(m.end - m.start), m.start)):
        if all(candidate.end <= other.start or candidate.start >= other.end for other in chosen):
            chosen.append(candidate)
    return sorted(chosen, key=lambda m: m.start)


def normalize_identifier(kind: str, raw: Optional[str]) -> Optional[str]:
    """The canonical form of `raw` as an identifier of `kind`, or None when it is not one.

    Accepts the whole value with separators, widths and case as customers type them ("tp 2026 1105 0017"),
    and also a value embedded in a sentence ("我的订单号是TP202611050017").
    """
    if kind not in _PATTERNS:
        raise ValueError(f"unknown identifier kind: {kind!r}")
    if raw is None:
        return None
    folded = _upper_ascii(fold_width(str(raw))).strip()
    compact = _canonical(folded)
    if _CANONICAL[kind].fullmatch(compact):
        return compact
    found = [m for m in find_identifiers(str(raw)) if m.kind == kind]
    if len(found) == 1:
        return found[0].value
    return None


def mask_phone(phone: str) -> str:
    """138****8000: enough for a customer to recognise the number, not enough to misuse it."""
    digits = _canonical(fold_width(phone))
    if len(digits) < 7:
        return "*" * len(digits)
    return f"{digits[:3]}****{digits[-4:]}"


# "手机尾号5678", "后四位是 5678", "后4位：5678" inside a longer message.
_TAIL_LABEL = r"(?:(?:手机)?尾号|后\s*[4四]\s*位)"
_LABELLED_TAIL = re.compile(rf"{_TAIL_LABEL}\s*(?:是|为)?\s*[:：]?\s*(\d{{4}})(?!\d)")
_BARE_TAIL = re.compile(rf"^\s*{_TAIL_LABEL}?\s*(?:是|为)?\s*[:：]?\s*(\d{{4}})\s*$")


def labelled_phone_tail(text: Optional[str]) -> Optional[str]:
    """The 4 digits a message names as the phone's last digits, given with the record it is for."""
    match = _LABELLED_TAIL.search(fold_width(text or ""))
    return match.group(1) if match else None


def bare_tail(text: Optional[str]) -> Optional[str]:
    """The 4 digits of a message that is only a phone tail ("8000", "尾号8000")."""
    match = _BARE_TAIL.match(fold_width(text or ""))
    return match.group(1) if match else None


# "TP" and a run of digits that is not 12 long: an order number mistyped, to be named as such.
_ORDER_LIKE = re.compile(rf"(?<![A-Z0-9])TP{_SEP}\d(?:{_SEP}\d){{5,17}}(?![A-Z0-9])")


def malformed_order_number(text: Optional[str]) -> Optional[str]:
    """The mistyped order number in `text` ("TP20261105001": 11 digits), when it holds no valid one."""
    if any(match.kind == "order_id" for match in find_identifiers(text or "")):
        return None
    match = _ORDER_LIKE.search(_upper_ascii(fold_width(text or "")))
    return (text or "")[match.start() : match.end()] if match else None
