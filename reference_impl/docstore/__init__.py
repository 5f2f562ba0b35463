"""The documentation side's own store (SQLite): records, links with sync state, sync logs (issue 4)."""

from reference_impl.docstore.schema import LATEST_VERSION, LINK_STATES
from reference_impl.docstore.store import FIELDS, KINDS, DocStore, Link, Record, StoreError

__all__ = ["DocStore", "Link", "Record", "StoreError", "FIELDS", "KINDS", "LINK_STATES", "LATEST_VERSION"]
