"""Back-off on wrong admin tokens, per client address (issue 15, part 6; README "Admin API")."""

from __future__ import annotations

import pytest

from mockserver.admin.auth import ADMIN_BACKOFF_KEY, AdminBackoff
from tests.mockserver.conftest import make_app

TOKEN = "right-token"
WRONG = {"X-Mock-Admin-Token": "guess"}
RIGHT = {"X-Mock-Admin-Token": TOKEN}


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clocked():
    app = make_app(admin_token=TOKEN, admin_token_max_failures=3, admin_token_backoff_seconds=2.0,
                   admin_token_backoff_max_seconds=5.0)
    clock = FakeClock()
    app.extensions[ADMIN_BACKOFF_KEY] = AdminBackoff(3, 2.0, 5.0, clock=clock)
    return app, clock


def _get(app, headers, addr="10.0.0.7", path="/_mock/tenants"):
    return app.test_client().get(path, headers=headers, environ_base={"REMOTE_ADDR": addr})


def test_wrong_tokens_start_a_back_off_that_refuses_even_the_right_token(clocked):
    app, clock = clocked
    for _ in range(2):
        assert _get(app, WRONG).status_code == 401
    assert _get(app, WRONG).status_code == 401  # the 3rd wrong token starts the back-off
    refused = _get(app, RIGHT)
    assert refused.status_code == 429
    assert refused.headers["Retry-After"] == "2"
    assert "Too many wrong admin tokens" in refused.get_json()["error"]
    # the fault and webhook endpoints share the back-off
    assert _get(app, RIGHT, path="/_mock/faults").status_code == 429


def test_the_right_token_works_at_once_when_the_back_off_ends(clocked):
    app, clock = clocked
    for _ in range(3):
        _get(app, WRONG)
    clock.now += 1.0
    assert _get(app, WRONG).status_code == 429  # a try inside the back-off does not lengthen it
    clock.now += 1.01
    assert _get(app, RIGHT).status_code == 200
    # a success clears the count: the next wrong token is again a plain 401
    assert _get(app, WRONG).status_code == 401
    assert _get(app, RIGHT).status_code == 200


def test_the_back_off_doubles_up_to_its_maximum(clocked):
    app, clock = clocked
    for _ in range(3):
        _get(app, WRONG)
    waits = []
    for _ in range(3):
        resp = _get(app, RIGHT)
        assert resp.status_code == 429
        waits.append(int(resp.headers["Retry-After"]))
        clock.now += waits[-1] + 0.01
        assert _get(app, WRONG).status_code == 401  # tried again, wrong again: a longer back-off
    assert waits == [2, 4, 5]


def test_the_back_off_is_per_client_address(clocked):
    app, _ = clocked
    for _ in range(3):
        _get(app, WRONG, addr="10.0.0.7")
    assert _get(app, RIGHT, addr="10.0.0.7").status_code == 429
    assert _get(app, RIGHT, addr="10.0.0.8").status_code == 200


def test_back_off_settings_reach_the_server_and_zero_turns_it_off():
    app = make_app(admin_token=TOKEN, admin_token_max_failures=0)
    for _ in range(20):
        assert _get(app, WRONG).status_code == 401
    assert _get(app, RIGHT).status_code == 200
    app = make_app(admin_token=TOKEN, admin_token_max_failures=2, admin_token_backoff_seconds=30)
    _get(app, WRONG)
    _get(app, WRONG)
    resp = _get(app, RIGHT)
    assert resp.status_code == 429 and resp.headers["Retry-After"] == "30"
