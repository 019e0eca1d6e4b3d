"""Addresses from the network's own OpenStreetMap extract (offline), or a Nominatim server.

Entry points: :func:`geocode` (one call for many queries, with ``min_quality``),
:func:`load_address_index` (the index saved beside a prepared network, loaded once per
process), :func:`read_address_columns` (build one from an extract) and
:class:`NominatimGeocoder`.
"""

from pathlib import Path
from typing import Any

from solver.geocode.geocoder import (
    DEFAULT_MIN_QUALITY,
    Geocoder,
    NominatimGeocoder,
    geocode,
    nominatim_quality,
)
from solver.geocode.index import (
    INDEX_FILE,
    AddressColumns,
    load_address_index,
    read_address_columns,
    save_address_columns,
)
from solver.geocode.matcher import AddressIndex
from solver.geocode.model import QUALITIES, AddressQuery, GeocodeResult, MatchedAddress


def build_address_index(source: Path, **options: Any) -> AddressIndex:
    """Read an extract and return its :class:`AddressIndex` (not saved).

    Parameters
    ----------
    source
        ``.osm``, ``.osm.bz2`` or ``.osm.pbf`` extract.
    **options
        Passed to :func:`read_address_columns`.

    Returns
    -------
    AddressIndex
        Ready for :func:`geocode`.
    """
    return AddressIndex(read_address_columns(source, **options))


__all__ = [
    "DEFAULT_MIN_QUALITY",
    "INDEX_FILE",
    "QUALITIES",
    "AddressColumns",
    "AddressIndex",
    "AddressQuery",
    "GeocodeResult",
    "Geocoder",
    "MatchedAddress",
    "NominatimGeocoder",
    "build_address_index",
    "geocode",
    "load_address_index",
    "nominatim_quality",
    "read_address_columns",
    "save_address_columns",
]
