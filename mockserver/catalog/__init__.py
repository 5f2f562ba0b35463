"""The entity catalogue: which entities exist, their fields and what may be done with them."""

from mockserver.catalog.model import ChildPath, EntitySpec, FieldSpec
from mockserver.catalog.loader import Catalog, load_catalog

__all__ = ["Catalog", "ChildPath", "EntitySpec", "FieldSpec", "load_catalog"]
