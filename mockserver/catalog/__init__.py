"""The entity catalogue: which entities exist, their fields and what may be done with them."""

from mockserver.catalog.loader import Catalog, CatalogError, GlobalPath, build_catalog, load_catalog
from mockserver.catalog.model import ChildPath, EntitySpec, FieldSpec

__all__ = [
    "Catalog",
    "CatalogError",
    "ChildPath",
    "EntitySpec",
    "FieldSpec",
    "GlobalPath",
    "build_catalog",
    "load_catalog",
]
