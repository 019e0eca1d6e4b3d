"""The CRM export formats: which column holds which account field."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from solver.errors import InvalidProblemError

#: Account fields a column can map to.
FIELDS = (
    "id",
    "name",
    "street",
    "city",
    "postcode",
    "country",
    "lat",
    "lon",
    "owner",
    "revenue",
)


@dataclass(frozen=True, slots=True)
class CrmFormat:
    """A CRM export format.

    Parameters
    ----------
    name
        ``salesforce``, ``hubspot``, ``zoho`` or ``generic``.
    columns
        Account field -> column header (see :data:`FIELDS`); ``id`` is required.
    """

    name: str
    columns: Mapping[str, str]

    def __post_init__(self) -> None:
        unknown = set(self.columns) - set(FIELDS)
        if unknown:
            raise InvalidProblemError(
                f"unknown field(s) {', '.join(sorted(unknown))}; known: {', '.join(FIELDS)}.",
                entity="Column mapping",
                field="mapping",
            )
        if "id" not in self.columns:
            raise InvalidProblemError(
                "must map 'id' to the column holding the CRM id.",
                entity="Column mapping",
                field="mapping.id",
            )


SALESFORCE = CrmFormat(
    "salesforce",
    {
        "id": "Id",
        "name": "Name",
        "street": "BillingStreet",
        "city": "BillingCity",
        "postcode": "BillingPostalCode",
        "country": "BillingCountry",
        "lat": "BillingLatitude",
        "lon": "BillingLongitude",
        "owner": "OwnerId",
        "revenue": "AnnualRevenue",
    },
)
HUBSPOT = CrmFormat(
    "hubspot",
    {
        "id": "Record ID",
        "name": "Company name",
        "street": "Street Address",
        "city": "City",
        "postcode": "Postal Code",
        "country": "Country/Region",
        "owner": "Company owner",
        "revenue": "Annual Revenue",
    },
)
ZOHO = CrmFormat(
    "zoho",
    {
        "id": "Record Id",
        "name": "Account Name",
        "street": "Billing Street",
        "city": "Billing City",
        "postcode": "Billing Code",
        "country": "Billing Country",
        "owner": "Account Owner",
        "revenue": "Annual Revenue",
    },
)
FORMATS = {f.name: f for f in (SALESFORCE, HUBSPOT, ZOHO)}


def _key(header: str) -> str:
    return " ".join(header.strip().lower().split())


def detect_format(header: Sequence[str]) -> CrmFormat:
    """Tell the CRM format from the header line (case and spacing ignored).

    Parameters
    ----------
    header
        Column names of the file.

    Returns
    -------
    CrmFormat
        The format whose id and name columns are present and which knows the most
        columns.

    Raises
    ------
    InvalidProblemError
        When no format fits (pass ``format="generic"`` with a column mapping).
    """
    present = {_key(h) for h in header}
    fitting = [
        (sum(_key(c) in present for c in f.columns.values()), f)
        for f in FORMATS.values()
        if _key(f.columns["id"]) in present and _key(f.columns["name"]) in present
    ]
    if not fitting:
        raise InvalidProblemError(
            "CSV file: the header is not a Salesforce, HubSpot or Zoho account export "
            f"(columns: {', '.join(h.strip() for h in header)}); use format 'generic' "
            "with a column mapping.",
            field="line 1",
        )
    return max(fitting, key=lambda item: item[0])[1]


def column_positions(fmt: CrmFormat, header: Sequence[str], *, header_line: int) -> dict:
    """Map each account field of ``fmt`` to its column position in ``header``.

    Parameters
    ----------
    fmt
        The format.
    header
        Column names of the file.
    header_line
        Line of the header in the file (for messages).

    Returns
    -------
    dict[str, int]
        Field -> column index, for the columns the file has.

    Raises
    ------
    InvalidProblemError
        When the id column is missing, or a column of a generic mapping is missing.
    """
    where = {_key(h): i for i, h in reversed(list(enumerate(header)))}
    positions = {}
    for field, column in fmt.columns.items():
        if _key(column) in where:
            positions[field] = where[_key(column)]
        elif field == "id" or fmt.name == "generic":
            raise InvalidProblemError(
                f"CSV line {header_line}: column {column!r} ({field}) is missing from the header.",
                field=f"line {header_line}",
            )
    return positions
