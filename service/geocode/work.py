"""What a worker runs for ``POST /v1/geocode``."""

from __future__ import annotations

from service.common.addresses import geocoded_out, get_geocoder, to_query
from service.common.runtime import ProgressFn, RuntimeConfig
from service.geocode.schemas import GeocodeRequest, GeocodeResponse
from solver.errors import InvalidProblemError
from solver.geocode import AddressQuery, geocode


def _queries(request: GeocodeRequest) -> list[AddressQuery]:
    queries = []
    for i, address in enumerate(request.queries):
        try:
            queries.append(to_query(address))
        except InvalidProblemError as exc:
            raise InvalidProblemError(
                exc.reason, entity=f"queries[{i}]", field=f"queries[{i}]"
            ) from None
    return queries


def validate_geocode(request: GeocodeRequest, default_network: str) -> None:
    """Raise InvalidProblemError (422) for an empty or mixed query, naming it."""
    _queries(request)


def geocode_request(
    request: GeocodeRequest, config: RuntimeConfig, on_progress: ProgressFn | None = None
) -> GeocodeResponse:
    """Place every query of a ``POST /v1/geocode`` request.

    Parameters
    ----------
    request
        The queries and ``min_quality``.
    config
        Networks and geocoder settings (offline index or Nominatim).
    on_progress
        Unused (the signature of every job's use case).

    Returns
    -------
    GeocodeResponse
        One answer per query, in order: quality, score, matched address and, when
        placed, the location.
    """
    network = None
    if config.geocoder != "nominatim":
        network = request.network or config.default_network
    results = geocode(
        _queries(request), index=get_geocoder(network, config), min_quality=request.min_quality
    )
    return GeocodeResponse(
        network=network,
        geocoder=config.geocoder,
        results=[geocoded_out(result) for result in results],
    )
