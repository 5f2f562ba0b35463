"""The project's version, defined here and nowhere else.

pyproject.toml reads it (hatch dynamic version), the three console scripts print it with ``--version`` and
``mockserver.__version__`` re-exports it, so a release changes exactly this line (and CHANGELOG.md).
"""

__version__ = "0.1.0"
