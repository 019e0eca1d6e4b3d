"""What a worker runs for a CRM import: the CSV in, accounts and a per-row report out."""

from __future__ import annotations

from service.accounts.schemas import ImportedAccount, ImportRequest, ImportResponse, RowOut
from service.common.addresses import get_geocoder
from service.common.runtime import ProgressFn, RuntimeConfig
from solver.crm import CrmImport, import_accounts
from solver.geocode import AddressQuery, Geocoder, GeocodeResult


class _GeocoderOnDemand:
    """The process's geocoder, loaded at the first row that needs one.

    A file whose rows all carry coordinates imports without an address index.
    """

    def __init__(self, network: str | None, config: RuntimeConfig) -> None:
        self._network = network
        self._config = config
        self._geocoder: Geocoder | None = None

    def lookup(self, query: AddressQuery) -> GeocodeResult:
        """Look one address up (see :class:`solver.geocode.Geocoder`)."""
        if self._geocoder is None:
            self._geocoder = get_geocoder(self._network, self._config)
        return self._geocoder.lookup(query)


def validate_import(request: ImportRequest, default_network: str) -> None:
    """Nothing to check before reading: the file's own errors name their line (422)."""


def from_import(result: CrmImport) -> ImportResponse:
    """Return the response of a :class:`~solver.crm.CrmImport`."""
    return ImportResponse(
        format=result.format,
        encoding=result.encoding,
        delimiter=result.delimiter,
        counts=result.counts(),
        accounts=[
            ImportedAccount(
                id=a.id,
                name=a.name,
                location={"lat": a.location.lat, "lon": a.location.lon},
                address=a.address,
                current_rep=a.current_rep,
                revenue=a.revenue,
            )
            for a in result.accounts
        ],
        report=[
            RowOut(
                row=r.row,
                line=r.line,
                crm_id=r.crm_id,
                status=r.status,
                quality=r.quality,
                code=r.code,
                reason=r.reason,
            )
            for r in result.report
        ],
    )


def import_request(
    request: ImportRequest, config: RuntimeConfig, on_progress: ProgressFn | None = None
) -> ImportResponse:
    """Read a CRM export: accounts keyed by CRM ids, and one report entry per row.

    Parameters
    ----------
    request
        The CSV text, its format (or ``auto``), the mapping of a ``generic`` file and
        ``min_quality``.
    config
        Networks and geocoder settings.
    on_progress
        Unused (the signature of every job's use case).

    Returns
    -------
    ImportResponse
        Rows with coordinates are ``ok``; rows with an address are geocoded; the others
        are ``rejected`` with a reason code and a sentence naming the line.
    """
    network = None if config.geocoder == "nominatim" else request.network or config.default_network
    result = import_accounts(
        request.csv.encode("utf-8"),
        format=request.format,
        mapping=request.mapping,
        geocoder=_GeocoderOnDemand(network, config),
        min_quality=request.min_quality,
    )
    response = from_import(result)
    if request.encoding:
        response.encoding = request.encoding
    return response
