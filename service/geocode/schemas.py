"""Geocoding requests and responses (``POST /v1/geocode``)."""

from __future__ import annotations

from pydantic import BaseModel, Field

from service.common.addresses import AddressIn, GeocodedOut, MinQuality
from service.common.schemas import ApiModel, Ident

#: Most queries in one synchronous request.
MAX_GEOCODE_QUERIES = 1000


class GeocodeRequest(ApiModel):
    """Addresses to place: free text or structured fields."""

    model_config = {
        "json_schema_extra": {
            "examples": [
                {
                    "network": "monaco",
                    "queries": [
                        "4 Avenue de la Madone, 98000 Monaco",
                        {"street": "Boulevard Albert 1er", "housenumber": "27", "city": "Monaco"},
                    ],
                    "min_quality": "street",
                }
            ]
        }
    }

    network: Ident | None = Field(
        default=None, description="Network whose extract's addresses are searched (offline)."
    )
    queries: list[AddressIn] = Field(min_length=1, max_length=MAX_GEOCODE_QUERIES)
    min_quality: MinQuality = "street"


class GeocodeResponse(BaseModel):
    """One answer per query, in order."""

    network: str | None = None
    geocoder: str = Field(description="offline | nominatim.")
    results: list[GeocodedOut]
