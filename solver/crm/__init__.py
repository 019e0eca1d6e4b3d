"""CRM account exports in (Salesforce, HubSpot, Zoho, or any CSV with a column mapping).

Entry point: :func:`import_accounts` -> :class:`CrmImport` (accounts keyed by CRM ids,
and a report with one entry per input row).
"""

from solver.crm.accounts import (
    REASONS,
    STATUSES,
    CrmAccount,
    CrmImport,
    RowReport,
    import_accounts,
    parse_number,
)
from solver.crm.formats import FIELDS, FORMATS, CrmFormat, detect_format

__all__ = [
    "FIELDS",
    "FORMATS",
    "REASONS",
    "STATUSES",
    "CrmAccount",
    "CrmFormat",
    "CrmImport",
    "RowReport",
    "detect_format",
    "import_accounts",
    "parse_number",
]
