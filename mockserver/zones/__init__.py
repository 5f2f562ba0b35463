"""Zones: scale the mock out the way Autotask does, one worker process per zone behind the zone lookup.

``autotask-mock serve --zones N`` (README "Zones: several processes behind one zone lookup").

    table.py       which zone holds which tenant and API user; deterministic placement (pure)
    worker.py      one zone: an ordinary mock server in its own process, with a ready line and an orphan watch
    supervisor.py  start the workers, health-check them, restart a dead one on the same port with its fixtures
    router.py      the main port: zone lookup (answers with the zone's URL), admin API routed to the zones
    directory.py   a zone's answers about users it does not hold (zone lookup, wrong-zone 401), via the main port
    cluster.py     the composition, and ``serve_zones`` for the CLI
"""
