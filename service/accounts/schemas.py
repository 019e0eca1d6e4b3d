"""CRM imports (``POST /v1/accounts/import``): the request a worker runs and the answer."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from service.common.addresses import MinQuality
from service.common.schemas import (
    ApiModel,
    Ident,
    Loc,
    OutModel,
    load_examples,
    openapi_examples,
)

#: OpenAPI examples of the models below (data, in examples.json).
EXAMPLES = load_examples(__file__)

#: CRM export formats (``auto`` reads the header).
CrmFormatName = Literal["auto", "salesforce", "hubspot", "zoho", "generic"]


class ImportRequest(ApiModel):
    """A CRM export to read (the CSV body of the import endpoint, or a job's request)."""

    csv: str = Field(min_length=1, description="The CSV file's text.")
    format: CrmFormatName = "auto"
    """The CRM the file was exported from; 'auto' tells it from the header row."""
    mapping: dict[str, str] | None = Field(
        default=None,
        description="For format 'generic': account field (id, name, street, city, postcode, "
        "country, lat, lon, owner, revenue) -> column name.",
    )
    min_quality: MinQuality = "street"
    network: Ident | None = Field(
        default=None, description="Network whose addresses place the rows (offline geocoder)."
    )
    encoding: str | None = Field(
        default=None, description="Encoding the file came in (reported back; set by the endpoint)."
    )


class ImportedAccount(ApiModel):
    """An account, ready for ``POST /v1/territories`` (ids are the CRM ids)."""

    id: str
    """The account's id in the CRM (Salesforce Id, HubSpot Record ID, ...)."""
    name: str | None = None
    """The account's name; null when the row gives none."""
    location: Loc
    """Where the account is, WGS84 {'lat', 'lon'} in degrees: the file's coordinates, or
    geocoded from the address."""
    address: str | None = None
    """The row's address as one line ('street, postcode city, country'); null when the row
    gives none."""
    current_rep: str | None = Field(default=None, description="The CRM owner.")
    revenue: float | None = None
    """Annual revenue as the file gives it (the CRM's currency); null when the row gives
    none."""


class RowOut(OutModel):
    """What became of one input row."""

    row: int = Field(description="Position among the data rows, 1-based.")
    line: int = Field(description="Line of the file the row starts on.")
    crm_id: str | None
    """The row's CRM id; null when its id column is empty."""
    status: Literal["ok", "geocoded", "rejected"]
    """ok (coordinates from the file), geocoded (placed from its address) or rejected (left
    out, see `code` and `reason`)."""
    quality: str | None = Field(default=None, description="Geocoding quality (or 'file').")
    code: str | None = Field(
        default=None,
        description="BAD_FIELD_COUNT | MISSING_ID | DUPLICATE_ID | BAD_VALUE | NO_ADDRESS | "
        "NOT_GEOCODED.",
    )
    reason: str | None = None
    """One sentence naming the line and why it was rejected; null when not rejected."""


class ImportResponse(OutModel):
    """The accounts read, and one report entry per input row (every row exactly once)."""

    model_config = openapi_examples(EXAMPLES, "ImportResponse")

    format: str
    """The CRM format the file was read as: salesforce, hubspot, zoho or generic."""
    encoding: str
    """The text encoding the file was read with (utf-8, utf-8-sig, cp1252, ...)."""
    delimiter: str
    """The field delimiter found in the file: ',', ';', TAB or '|'."""
    counts: dict[str, int] = Field(description="Rows per status: ok, geocoded, rejected.")
    accounts: list[ImportedAccount]
    """The accounts read (rows ok or geocoded), in file order; ready for
    POST /v1/territories."""
    report: list[RowOut]
    """One entry per data row of the file, in file order, each row exactly once."""
