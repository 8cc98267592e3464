"""Checks every screen of the phone must pass, whoever holds it: no rule id or code of the
API in the words shown, no network call the person is refused, and a layout that holds at
320 px with text at 200 %."""

from __future__ import annotations

import importlib
import inspect
import json
import os
import pkgutil
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from marshmallow import Schema, fields, validate
from playwright.sync_api import Page, Response

import backend.schemas

ROOT = Path(__file__).resolve().parents[2]
# Where the screenshots go: FRONTLINE_SHOTS, or beside the other screens of the suite.
SHOTS = Path(os.environ.get("FRONTLINE_SHOTS") or ROOT / "artifacts" / "screens" / "roles")


def rule_ids() -> set[str]:
    """Every routing rule's id in the rules file the demo loads."""
    rules = tomllib.loads((ROOT / "backend/routing/default_rules.toml").read_text())
    return {r["id"] for r in rules["rule"]} | set(rules["inboxes"])


def _choices(field_: Any) -> set[str]:
    found: set[str] = set()
    for validator in getattr(field_, "validators", ()):
        if isinstance(validator, validate.OneOf):
            found |= {str(c) for c in validator.choices}
    if isinstance(field_, fields.List):
        found |= _choices(field_.inner)
    if isinstance(field_, fields.Nested) and isinstance(field_.nested, type):
        found |= _schema_choices(field_.nested)
    return found


def _schema_choices(schema: type[Schema]) -> set[str]:
    found: set[str] = set()
    for field_ in schema._declared_fields.values():  # noqa: SLF001 - marshmallow's own map
        found |= _choices(field_)
    return found


def enum_values() -> set[str]:
    """Every OneOf choice of the API's marshmallow schemas that is a code, not a word: the
    ones a person could never mistake for English ("child_in_need", "frontline.concern/1")."""
    found: set[str] = set()
    for module in pkgutil.iter_modules(backend.schemas.__path__):
        loaded = importlib.import_module(f"backend.schemas.{module.name}")
        for _, cls in inspect.getmembers(loaded, inspect.isclass):
            if issubclass(cls, Schema) and cls.__module__ == loaded.__name__:
                found |= _schema_choices(cls)
    return {c for c in found if re.search(r"[_./]", c)}


# Codes, and raw labels a person once met (issue 28), that must never be on a screen.
RAW = ("Routed by", "police risk:", "(Observed)", "yes (", "possible (")


def forbidden() -> list[str]:
    return sorted(rule_ids() | enum_values()) + list(RAW)


def words_on_screen(page: Page) -> str:
    """The text a person sees (hidden elements excluded), the document title and the
    accessible names given in attributes."""
    return page.evaluate(
        """() => [document.title, document.body.innerText,
          ...[...document.querySelectorAll('[aria-label], [title]')]
            .filter((el) => el.offsetParent !== null)
            .map((el) => `${el.getAttribute('aria-label') || ''} ${el.getAttribute('title') || ''}`)
        ].join('\\n')"""
    )


def codes_on_screen(page: Page) -> list[str]:
    text = words_on_screen(page)
    found = []
    for code in forbidden():
        pattern = (
            re.escape(code)
            if not re.match(r"^[\w-]+$", code)
            else rf"(?<![\w-]){re.escape(code)}(?![\w-])"
        )
        if re.search(pattern, text):
            found.append(code)
    return found


LAYOUT = """() => {
  const root = document.documentElement;
  const seen = (el) => el.offsetParent !== null && el.getClientRects().length;
  const boxes = [...document.querySelectorAll(
      'nav a, nav button, #sync-now, #sync-state, #work-switch button, header > *')]
    .filter(seen)
    .map((el) => ({ id: el.id || el.textContent.trim(), r: el.getBoundingClientRect() }));
  const overlaps = [];
  for (let i = 0; i < boxes.length; i++) for (let j = i + 1; j < boxes.length; j++) {
    const [a, b] = [boxes[i].r, boxes[j].r];
    const apart = a.right - 1 <= b.left || b.right - 1 <= a.left
      || a.bottom - 1 <= b.top || b.bottom - 1 <= a.top;
    if (!apart) {
      overlaps.push([boxes[i].id, boxes[j].id]);
    }
  }
  const wide = [...document.querySelectorAll('body *')].filter(seen)
    .filter((el) => el.getBoundingClientRect().right > root.clientWidth + 1)
    .map((el) => el.id || el.tagName + '.' + el.className).slice(0, 5);
  return { scroll: root.scrollWidth, client: root.clientWidth, overlaps, wide };
}"""


def layout_at_320_and_200(page: Page) -> dict[str, Any]:
    """Narrow the phone to 320 px and double the text; measure; put both back."""
    size = page.viewport_size
    page.set_viewport_size({"width": 320, "height": 740})
    page.evaluate("document.documentElement.style.fontSize = '200%'")
    page.wait_for_timeout(100)
    found: dict[str, Any] = page.evaluate(LAYOUT)
    return {**found, "restore": size}


def restore_layout(page: Page, size: dict[str, int] | None) -> None:
    page.evaluate("document.documentElement.style.fontSize = ''")
    if size:
        page.set_viewport_size(size)


def assert_layout_holds(page: Page, shot: str | None = None) -> None:
    found = layout_at_320_and_200(page)
    if shot:
        SHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SHOTS / f"{shot}.png"))
    restore_layout(page, found["restore"])
    assert found["scroll"] <= found["client"], found
    assert not found["overlaps"], found


@dataclass
class Calls:
    """Every API call a page makes, with the status it was answered."""

    made: list[tuple[str, str, int]] = field(default_factory=list)

    def heard(self, response: Response) -> None:
        path = response.url.split("/api/v1", 1)
        if len(path) == 2:
            self.made.append((response.request.method, path[1].split("?")[0], response.status))

    @property
    def refused(self) -> list[tuple[str, str, int]]:
        return [c for c in self.made if c[2] >= 400]

    def paths(self) -> set[str]:
        return {path for _, path, _ in self.made}

    def dump(self) -> str:
        return json.dumps(self.made)


def watch(page: Page) -> Calls:
    calls = Calls()
    page.on("response", calls.heard)
    return calls


def shoot(page: Page, name: str) -> Path:
    SHOTS.mkdir(parents=True, exist_ok=True)
    path = SHOTS / f"{name}.png"
    page.screenshot(path=str(path))
    return path
