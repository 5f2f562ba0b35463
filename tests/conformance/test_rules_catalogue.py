"""The rule catalogue (conformance/data/rules.json) is generated from the spec, and test names map onto it."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from conformance.kill import suite_tests
from conformance.rules import catalogue, cited, counted, notes_of, rule_ids, rules_from_name, rules_of

REPO = Path(__file__).resolve().parents[2]
SPEC = REPO.parent / "shared" / "spec" / "sync-behaviour.md"
sys.path.insert(0, str(REPO / "scripts"))
import build_rules  # noqa: E402


@pytest.mark.skipif(not SPEC.is_file(), reason="the spec (../shared) is not next to the repository")
def test_catalogue_equals_a_rebuild_from_the_spec():
    rebuilt = build_rules.render(build_rules.build_rules(SPEC.read_text(encoding="utf-8")))
    assert (REPO / "conformance" / "data" / "rules.json").read_text(encoding="utf-8") == rebuilt, \
        "conformance/data/rules.json is stale: run python scripts/build_rules.py"


def test_catalogue_shape():
    rules = catalogue()
    ids = [r.id for r in rules]
    assert len(ids) == len(set(ids)) and len(ids) > 100
    assert {r.tag for r in rules} == {"S", "S/I", "I"}
    by_id = {r.id: r for r in rules}
    assert by_id["M-02"].tag == "S" and by_id["M-02"].family == "M" and by_id["M-02"].section.startswith("4.")
    assert by_id["FM-O3"].tag == "I" and by_id["FM-O3"].family == "FM"
    assert by_id["SC-08"].tag == "S/I"
    assert by_id["M-01"].title == "An organization matches on Organization Name"
    assert not counted(by_id["X-01"]) and counted(by_id["M-01"]) and not counted(by_id["M-09"])


def test_build_rules_parses_ids_tags_sections_and_titles():
    text = ("## 4. Matching\n\n- **M-02 [S]** A configuration matches on **AND (Serial OR MAC)**. — S001. More.\n"
            "- **FM-O3 [I]** Parent set only when linked. Otherwise empty.\n## 9. Push-all\n"
            "- **PA-02 [S/I]** Push-all does no matching — S001.\n- not a rule\n")
    rules = build_rules.build_rules(text)
    assert [(r["id"], r["tag"], r["section"], r["family"]) for r in rules] == [
        ("M-02", "S", "4. Matching", "M"), ("FM-O3", "I", "4. Matching", "FM"), ("PA-02", "S/I", "9. Push-all", "PA")]
    assert rules[0]["title"] == "A configuration matches on AND (Serial OR MAC)"
    with pytest.raises(ValueError, match="twice"):
        build_rules.build_rules(text + "- **M-02 [S]** again\n")


def test_rule_ids_from_test_names():
    assert rules_from_name("test_FMO3_parent_organization") == ("FM-O3",)
    assert rules_from_name("test_O08_C11_a_failed_or_partial_fetch") == ("O-08", "C-11")
    assert rules_from_name("test_SC08_an_api_only") == ("SC-08",)
    assert rules_from_name("test_PA02_PA05_push_all") == ("PA-02", "PA-05")
    assert rules_from_name("test_P08_FMC6_records") == ("P-08", "FM-C6")
    assert rules_from_name("test_D02_option1_clears") == ("D-02",)
    assert rules_from_name("test_stateful_sync_machine") == ()


def test_every_suite_test_maps_to_real_rule_ids():
    ids = rule_ids()
    for name, fn in suite_tests().items():
        from_name = rules_from_name(name)
        assert all(r in ids for r in from_name), (name, from_name)
        declared = rules_of(fn, name)
        assert declared and all(r in ids for r in declared), (name, declared)
        assert set(from_name) <= set(declared), f"{name}: its name cites rules its rules= list lacks"
        assert all(n.startswith(("Q", "§")) for n in notes_of(fn)), (name, notes_of(fn))


def test_rules_attribute_overrides_the_name():
    def test_M03_x():
        pass

    assert rules_of(test_M03_x) == ("M-03",)
    test_M03_x.rules = ("P-11", "Q5", "§16.6", "ZZ-01")  # type: ignore[attr-defined]
    assert rules_of(test_M03_x) == ("P-11",)
    assert notes_of(test_M03_x) == ("Q5", "§16.6", "ZZ-01")


def test_cited_finds_rule_ids_in_failure_messages():
    assert cited("M-01/M-06/M-09: company 1002 claimed org 3; see FM-G3 and Q1, not XM-01") == (
        "M-01", "M-06", "M-09", "FM-G3")
    assert cited("M-08: x, M-01: y", among=("M-01",)) == ("M-01",)


def test_rules_json_is_valid_json_with_a_source():
    data = json.loads((REPO / "conformance" / "data" / "rules.json").read_text(encoding="utf-8"))
    assert data["source"] == "shared/spec/sync-behaviour.md" and len(data["rules"]) == len(catalogue())


def test_finding_the_failure_ends_on_a_looping_cause_chain():
    """An implementation can raise an exception whose ``__cause__`` chain loops back on itself; the plugin's
    search for the assertion inside must end (it used to recurse until pytest stopped with INTERNALERROR)."""
    from conformance.plugin import _find

    a, b = RuntimeError("a"), ValueError("b")
    a.__cause__, b.__cause__ = b, a
    assert _find(a, AssertionError) is None
    inner = AssertionError("M-02: wrong")
    group = ExceptionGroup("wrapped", [a, inner])
    assert _find(group, AssertionError) is inner
