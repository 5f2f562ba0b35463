"""Assertions that once could not fail now can (issue 13 part A, item 4): each is run against the mutant with exactly
the defect it guards, and must fail *on that assertion*, while the reference adapter passes the same test (the
reference run is tests/conformance/test_suites_reference.py)."""

from __future__ import annotations

import pytest
from hypothesis import Phase

from conformance.mutants import MUTANTS
from conformance.suites import disconnect_delete, orphaning, two_way_push
from conformance.suites._common import override

CASES = [
    # C-11: test_O08 ignored the pass's own ok flag; a pass that fails but reports success went through
    ("failed_pass_reports_ok", orphaning.test_O08_C11_a_failed_or_partial_fetch_changes_nothing, "C-11"),
    # P-03: test_P02_P03 asserted "... or True" about a save without a mapped change
    ("unmapped_save_pushes_record", two_way_push.test_P02_P03_saving_a_mapped_field_pushes_only_that_change, "P-03"),
    # Q18/D-07: test_D07 never looked at disabled organizations
    ("delete_all_takes_disabled",
     disconnect_delete.test_D07_option2_deletes_only_linked_organizations_and_their_children, "Q18/D-07"),
]


@pytest.mark.parametrize(("mutant", "test", "rule"), CASES, ids=[c[0] for c in CASES])
def test_the_assertion_fails_against_its_mutant(mutant: str, test, rule: str) -> None:
    with override(phases=(Phase.explicit, Phase.generate), database=None, print_blob=False, derandomize=True), \
            pytest.raises(AssertionError) as err:
        test(MUTANTS[mutant].factory)
    assert rule in str(err.value), f"{test.__name__} failed against {mutant}, but not on its {rule} assertion: {err.value}"
