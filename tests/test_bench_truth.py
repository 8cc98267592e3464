"""The linking benchmark's truth (bench/dots.py) is identity: the generated population knows
which records are one real child, adult, car or phone, plants reproducible keying errors,
and judges an alert correct only when every link in its evidence joins one real entity.
The linking work is measured by it, so what it holds true is tested here."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import crypto
from bench.population import ERROR_RATE, Entity, Item, Mention, Scenario
from bench.truth import MIXED_CHILD, MIXED_KEY, ONE_CHILD, Identity, judge, merges

NOW = datetime(2026, 9, 1, tzinfo=UTC)


def _errors(scenario: Scenario) -> list[tuple[int, str, str | None]]:
    return [
        (
            i.child.id,
            i.error,
            i.nhs_of.nhs if i.nhs_of else next(m.written for m in i.mentions if m.written),
        )
        for i in scenario.items
        if i.error
    ]


def test_two_in_a_hundred_background_concerns_carry_one_wrong_strong_key_reproducibly():
    scenario = Scenario(2000, 7, NOW)
    background = [i for i in scenario.items if not i.planted]
    wrong = [i for i in scenario.items if i.error]
    assert len(wrong) == round(ERROR_RATE * len(background))
    assert not any(i.planted for i in wrong)
    assert _errors(scenario) == _errors(Scenario(2000, 7, NOW))
    assert {i.error for i in wrong} == {"nhs", "vehicle", "phone"}
    for item in wrong:
        if item.error == "nhs":
            assert item.nhs_of is not None
            assert item.nhs_of is not item.child
            continue
        (m,) = [m for m in item.mentions if m.entity.kind == item.error and m.written]
        differ = [a != b for a, b in zip(m.written, m.entity.value, strict=True)]
        assert sum(differ) == 1, "one digit mistyped"
    assert scenario.collisions() == 0  # in this population no typo is another's number


def test_the_worst_case_makes_every_wrong_registration_or_number_another_real_ones():
    scenario = Scenario(2000, 7, NOW, colliding=True)
    wrong = [i for i in scenario.items if i.error in ("vehicle", "phone")]
    cars = {e.value: e for e in scenario.entities if e.kind == "vehicle"}
    phones = {e.value: e for e in scenario.entities if e.kind == "phone"}
    named = {m.entity.id: i.child for i in scenario.items for m in i.mentions if not m.written}
    assert wrong
    assert scenario.collisions() == len(wrong)
    for item in wrong:
        (m,) = [m for m in item.mentions if m.entity.kind == item.error and m.written]
        other = (cars if item.error == "vehicle" else phones)[m.written]
        assert other is not m.entity
        assert other.id in named, "the wrong key is a real entity named in another concern"
        if item.error == "vehicle":
            differ = [a != b for a, b in zip(m.written, m.entity.value, strict=True)]
            assert sum(differ) == 1


def _identity(items: list[Item]) -> tuple[Identity, dict[uuid.UUID, Item]]:
    identity = Identity(crypto.BlindIndexer(crypto.generate_keyring()))
    scenario = Scenario(0, 1, NOW)
    ids = {}
    for item in items:
        concern_id = uuid.uuid4()
        identity.add(concern_id, item, scenario.payload(item))
        ids[concern_id] = item
    return identity, ids


def _network(identity: Identity, kind: str) -> list[tuple[uuid.UUID, str, str]]:
    return [(c, k, key) for c, k, key in identity.named if k == kind]


def test_a_network_is_correct_only_when_its_key_names_one_real_entity():
    scenario = Scenario(0, 3, NOW)
    a, b = scenario.child(), scenario.child()
    one = Entity(0, "adult", "Jack Smith")
    namesake = Entity(1, "adult", "Jack Smith")
    car = Entity(2, "vehicle", "AB12 CDE")

    def item(child, *mentions):
        return Item(child, "police", NOW, ["neglect"], "early_help", mentions=list(mentions))

    identity, ids = _identity(
        [item(a, Mention(one), Mention(car)), item(b, Mention(namesake), Mention(car))]
    )
    subject_of = {c: uuid.uuid4() for c in ids}
    # The same car, however it was written, in concerns about two real children: a network.
    assert judge("network", _network(identity, "vehicle"), identity, subject_of) is None
    # Two real men called Jack Smith are two men: no network, whatever the names say.
    assert judge(
        "network", _network(identity, "person_name"), identity, subject_of
    ) == MIXED_KEY.format("person name")
    # One real child, seen as two subjects, is no network either.
    identity, ids = _identity([item(a, Mention(car)), item(a, Mention(car))])
    subject_of = {c: uuid.uuid4() for c in ids}
    assert judge("network", _network(identity, "vehicle"), identity, subject_of) == ONE_CHILD


def test_a_childs_pattern_and_a_subject_hold_one_real_child():
    scenario = Scenario(0, 3, NOW)
    a, b = scenario.child(), scenario.child()
    items = [
        Item(c, w, NOW, ["neglect"], "early_help")
        for c, w in ((a, "police"), (a, "health"), (b, "care"))
    ]
    identity, ids = _identity(items)
    together = uuid.uuid4()
    subject_of = dict.fromkeys(ids, together)
    own = [c for c, i in ids.items() if i.child is a]
    assert judge("multi_agency", [(c, "name_dob", "") for c in own], identity, subject_of) is None
    everything = [(c, "name_dob", "") for c in ids]
    assert judge("multi_agency", everything, identity, subject_of) == MIXED_CHILD
    found = merges(subject_of, identity)
    assert (found.wrong, found.concerns_in_wrong, found.misplaced) == (1, 3, 1)
