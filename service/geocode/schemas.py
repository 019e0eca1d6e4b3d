"""Geocoding requests and responses (``POST /v1/geocode``)."""

from __future__ import annotations

from pydantic import Field

from service.common.addresses import AddressIn, GeocodedOut, MinQuality
from service.common.schemas import ApiModel, Ident, OutModel, load_examples, openapi_examples

#: OpenAPI examples of the models below (data, in examples.json).
EXAMPLES = load_examples(__file__)

#: Most queries in one synchronous request.
MAX_GEOCODE_QUERIES = 1000


class GeocodeRequest(ApiModel):
    """Addresses to place: free text or structured fields."""

    model_config = openapi_examples(EXAMPLES, "GeocodeRequest")

    network: Ident | None = Field(
        default=None, description="Network whose extract's addresses are searched (offline)."
    )
    queries: list[AddressIn] = Field(min_length=1, max_length=MAX_GEOCODE_QUERIES)
    """The addresses to place, each free text ('Städtle 38, 9490 Vaduz') or structured
    fields; answered in this order."""
    min_quality: MinQuality = "street"


class GeocodeResponse(OutModel):
    """One answer per query, in order."""

    model_config = openapi_examples(EXAMPLES, "GeocodeResponse")

    network: str | None = None
    """The road network whose extract's addresses were searched; null with the Nominatim
    geocoder."""
    geocoder: str = Field(description="offline | nominatim.")
    results: list[GeocodedOut]
    """One answer per query, in the order of `queries`."""
