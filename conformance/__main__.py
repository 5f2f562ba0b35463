"""``python -m conformance run ...``: the same as ``autotask-conformance`` (conformance/cli.py)."""

from conformance.cli import main

main()
