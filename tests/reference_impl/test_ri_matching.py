"""Matching of §4 (pure): property tests against a naive reference model, plus named examples.

The model is the spec read literally: process Autotask records in ascending id (Q4); a candidate is an eligible
(unlinked or orphaned, M-09/M-12/M-13), unclaimed record of the same organization (M-14) whose key equals exactly
(M-06, Q1) a non-blank key (M-11); configurations match on serial OR MAC (M-02) and prefer both (M-08); then the
earliest created_at, then the lowest id (M-08, Q5).
"""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from reference_impl.sync.macs import canonical_mac, first_mac
from reference_impl.sync.matching import (
    Candidate,
    Wanted,
    contact_key,
    location_key,
    mac_key,
    match_configurations,
    match_simple,
    org_key,
    serial_key,
)

STATES = st.sampled_from([None, None, "orphaned", "enabled", "error", "disabled"])
TIMES = st.sampled_from(["2026-01-01T00:00:00.000000Z", "2026-01-02T00:00:00.000000Z",
                         "2026-01-03T00:00:00.000000Z"])
NAMES = st.sampled_from(["", "Acme", "acme", "Acme ", "Globex"])
SERIALS = st.sampled_from([None, "", "S1", "s1", "S2"])
MACS = st.sampled_from([None, "", "aa:bb:cc:dd:ee:01", "AA-BB-CC-DD-EE-01", "aabb.ccdd.ee02"])


@st.composite
def simple_world(draw):
    n = draw(st.integers(0, 8))
    cands = [Candidate(record_id=i + 1, org_id=draw(st.integers(1, 2)), created_at=draw(TIMES),
                       key=org_key(draw(NAMES)), link_state=draw(STATES)) for i in range(n)]
    m = draw(st.integers(0, 8))
    psa_ids = draw(st.lists(st.integers(1, 50), min_size=m, max_size=m, unique=True))
    wanted = [Wanted(psa_id=p, org_id=draw(st.integers(1, 2)), key=org_key(draw(NAMES))) for p in psa_ids]
    return wanted, cands


@st.composite
def config_world(draw):
    n = draw(st.integers(0, 8))
    cands = [Candidate(record_id=i + 1, org_id=draw(st.integers(1, 2)), created_at=draw(TIMES),
                       serial=serial_key(draw(SERIALS)), mac=mac_key(draw(MACS)), link_state=draw(STATES))
             for i in range(n)]
    m = draw(st.integers(0, 8))
    psa_ids = draw(st.lists(st.integers(1, 50), min_size=m, max_size=m, unique=True))
    wanted = [Wanted(psa_id=p, org_id=draw(st.integers(1, 2)), serial=serial_key(draw(SERIALS)),
                     mac=mac_key(draw(MACS))) for p in psa_ids]
    return wanted, cands


def model_simple(wanted, cands):
    claimed, out = set(), {}
    for w in sorted(wanted, key=lambda w: w.psa_id):
        pool = [c for c in cands if c.link_state in (None, "orphaned") and c.record_id not in claimed
                and c.org_id == w.org_id and w.key is not None and c.key == w.key]
        best = min(pool, key=lambda c: (c.created_at, c.record_id), default=None)
        out[w.psa_id] = best.record_id if best else None
        if best:
            claimed.add(best.record_id)
    return out


def model_configs(wanted, cands):
    claimed, out = set(), {}
    for w in sorted(wanted, key=lambda w: w.psa_id):
        pool = []
        for c in cands:
            if c.link_state not in (None, "orphaned") or c.record_id in claimed or c.org_id != w.org_id:
                continue
            s = w.serial is not None and c.serial == w.serial
            m = w.mac is not None and c.mac == w.mac
            if s or m:
                pool.append((0 if (s and m) else 1, c.created_at, c.record_id))
        best = min(pool, default=None)
        out[w.psa_id] = best[2] if best else None
        if best:
            claimed.add(best[2])
    return out


@settings(max_examples=150, deadline=None)
@given(simple_world())
def test_M08_M09_M11_M12_M13_M14_simple_matching_equals_reference_model(world):
    wanted, cands = world
    assert match_simple(wanted, cands) == model_simple(wanted, cands)


@settings(max_examples=150, deadline=None)
@given(config_world())
def test_M02_M08_M09_M11_M14_configuration_matching_equals_reference_model(world):
    wanted, cands = world
    assert match_configurations(wanted, cands) == model_configs(wanted, cands)


@settings(max_examples=150, deadline=None)
@given(config_world())
def test_M09_injective_and_M14_never_across_orgs_and_M12_disabled_never_chosen(world):
    wanted, cands = world
    res = match_configurations(wanted, cands)
    chosen = [r for r in res.values() if r is not None]
    assert len(chosen) == len(set(chosen))  # M-09
    by_id = {c.record_id: c for c in cands}
    org_of = {w.psa_id: w.org_id for w in wanted}
    for psa, rid in res.items():
        if rid is None:
            continue
        c = by_id[rid]
        assert c.org_id == org_of[psa]  # M-14
        assert c.link_state in (None, "orphaned")  # M-09 / M-12 / M-13


@settings(max_examples=100, deadline=None)
@given(config_world())
def test_M11_blank_keys_never_match(world):
    wanted, cands = world
    res = match_configurations(wanted, cands)
    for w in wanted:
        if w.serial is None and w.mac is None:
            assert res[w.psa_id] is None


def test_M11_two_empty_serials_are_not_equal():
    cands = [Candidate(1, 1, "t", serial=serial_key(""), mac=mac_key(None))]
    assert match_configurations([Wanted(5, 1, serial=serial_key(""), mac=mac_key(""))], cands) == {5: None}


def test_M02_serial_OR_mac_not_AND():
    cands = [Candidate(1, 1, "t", serial="S1", mac=mac_key("aa:bb:cc:dd:ee:01"))]
    # serial matches, MAC differs → still a match (the ConnectWise AND rule is wrong here)
    assert match_configurations([Wanted(5, 1, serial="S1", mac=mac_key("aa:bb:cc:dd:ee:99"))], cands) == {5: 1}
    # MAC matches, serial differs → match
    assert match_configurations([Wanted(6, 1, serial="X", mac=mac_key("AA-BB-CC-DD-EE-01"))], cands) == {6: 1}


def test_M08_configs_narrowed_by_both_identifiers_before_creation_date():
    cands = [Candidate(1, 1, "2026-01-01", serial="S1", mac=None),  # older, serial only
             Candidate(2, 1, "2026-01-05", serial="S1", mac=mac_key("aa:bb:cc:dd:ee:01"))]  # newer, both
    assert match_configurations([Wanted(9, 1, serial="S1", mac=mac_key("aabbccddee01"))], cands) == {9: 2}


def test_M08_earliest_created_then_lowest_id_Q5():
    cands = [Candidate(3, 0, "2026-01-02", key=org_key("Acme")), Candidate(2, 0, "2026-01-01", key=org_key("Acme")),
             Candidate(1, 0, "2026-01-01", key=org_key("Acme"))]
    assert match_simple([Wanted(7, 0, key=org_key("Acme"))], cands) == {7: 1}


def test_Q4_Q7_two_autotask_records_same_name_first_claims_earliest_second_creates():
    cands = [Candidate(1, 0, "2026-01-01", key=org_key("Acme"))]
    assert match_simple([Wanted(20, 0, key=org_key("Acme")), Wanted(10, 0, key=org_key("Acme"))], cands) == \
        {10: 1, 20: None}


def test_M06_Q1_exact_case_sensitive_no_trimming():
    cands = [Candidate(1, 0, "t", key=org_key("Acme"))]
    assert match_simple([Wanted(1, 0, key=org_key("acme"))], cands) == {1: None}
    assert match_simple([Wanted(2, 0, key=org_key("Acme "))], cands) == {2: None}
    assert match_simple([Wanted(3, 0, key=org_key("Acme"))], cands) == {3: 1}


def test_M13_orphans_are_candidates_and_M12_disabled_are_not():
    assert match_simple([Wanted(1, 0, key=org_key("A"))], [Candidate(5, 0, "t", key=org_key("A"),
                                                                     link_state="orphaned")]) == {1: 5}
    assert match_simple([Wanted(1, 0, key=org_key("A"))], [Candidate(5, 0, "t", key=org_key("A"),
                                                                     link_state="disabled")]) == {1: None}


def test_M03_contact_key_first_and_last_name():
    cands = [Candidate(1, 1, "t", key=contact_key("Ann", "Lee"))]
    assert match_simple([Wanted(1, 1, key=contact_key("Ann", "Lee"))], cands) == {1: 1}
    assert match_simple([Wanted(2, 1, key=contact_key("Ann", "Li"))], cands) == {2: None}


def test_M04_location_key_includes_every_address_part_and_country():
    k = location_key("1 Main", "", "Springfield", "IL", "United States")
    cands = [Candidate(1, 1, "t", key=k)]
    assert match_simple([Wanted(1, 1, key=location_key("1 Main", "", "Springfield", "IL", "Canada"))],
                        cands) == {1: None}
    assert match_simple([Wanted(2, 1, key=k)], cands) == {2: 1}
    assert location_key(None, "", None, "", None) is None  # M-11


def test_Q1_mac_canonicalisation_and_Q3_first_valid_mac():
    assert canonical_mac("aa:bb:cc:dd:ee:ff") == canonical_mac("AA-BB-CC-DD-EE-FF") == \
        canonical_mac("aabb.ccdd.eeff") == "AABBCCDDEEFF"
    assert first_mac("eth0 aa:bb:cc:dd:ee:01, wlan0 aa:bb:cc:dd:ee:02") == "aa:bb:cc:dd:ee:01"
    assert first_mac("*****") is None  # Q26 masked
    assert first_mac("not a mac") is None
    assert mac_key("aa:bb:cc:dd:ee:ff", canonicalize=False) != mac_key("AA-BB-CC-DD-EE-FF", canonicalize=False)
