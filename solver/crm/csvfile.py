"""Read real-world CSV files: encoding, delimiter, quoted newlines, blank lines.

Text encoding: UTF-8 (with or without BOM), else what ``charset-normalizer`` detects
(Windows-1252 preferred among equivalent Western code pages). Delimiter: ``csv.Sniffer``
restricted to ``, ; TAB |`` and checked against the header line. Every record keeps the
line of the file it starts on, for the report and for error messages.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
from collections.abc import Iterator
from dataclasses import dataclass

from charset_normalizer import from_bytes

from solver.errors import InvalidProblemError

DELIMITERS = ",;\t|"
_SAMPLE_CHARS = 64_000
_SEP_HINT = re.compile(r"^\s*sep=([,;\t|])\s*$")


@dataclass(frozen=True, slots=True)
class CsvText:
    """A decoded CSV file.

    Attributes
    ----------
    text
        The file's text.
    encoding
        The encoding it was read with (``utf-8``, ``utf-8-sig``, ``cp1252``, ...).
    delimiter
        The field delimiter.
    """

    text: str
    encoding: str
    delimiter: str


def _line_of(data: bytes, position: int) -> int:
    return data.count(b"\n", 0, position) + 1


def decode_csv(data: bytes) -> tuple[str, str]:
    """Decode the bytes of a CSV file.

    Parameters
    ----------
    data
        The file as uploaded.

    Returns
    -------
    tuple[str, str]
        The text and the encoding used.

    Raises
    ------
    InvalidProblemError
        When the file is empty or its encoding cannot be told (naming the first line
        that is not UTF-8).
    """
    if not data.strip():
        raise InvalidProblemError("CSV file: is empty.", field="file")
    if data.startswith(codecs.BOM_UTF8):
        try:
            return data[len(codecs.BOM_UTF8) :].decode("utf-8"), "utf-8-sig"
        except UnicodeDecodeError as exc:
            line = _line_of(data, exc.start)
            raise InvalidProblemError(
                f"CSV file: starts with a UTF-8 mark but line {line} is not UTF-8.",
                field=f"line {line}",
            ) from None
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError as exc:
        first_bad = _line_of(data, exc.start)
    best = from_bytes(data).best()
    if best is None:
        raise InvalidProblemError(
            f"CSV file: cannot tell its text encoding (line {first_bad} is not UTF-8); "
            "save it as UTF-8.",
            field=f"line {first_bad}",
        )
    encoding = best.encoding
    if encoding != "cp1252" and "cp1252" in best.could_be_from_charset:
        encoding = "cp1252"  # Excel's "Western" export: the usual one of its look-alikes
    return data.decode(encoding), encoding


def sniff_delimiter(text: str) -> str:
    """Return the field delimiter of a CSV text (``,``, ``;``, TAB or ``|``).

    Parameters
    ----------
    text
        The decoded file.

    Returns
    -------
    str
        The delimiter; one the header line holds.

    Raises
    ------
    InvalidProblemError
        When the header line holds none of them (a file of one column is read with
        ``,``).
    """
    header = next((line for line in text.splitlines() if line.strip()), "")
    hint = _SEP_HINT.match(header)
    if hint:  # Excel's "sep=;" first line
        return hint.group(1)
    try:
        found = csv.Sniffer().sniff(text[:_SAMPLE_CHARS], delimiters=DELIMITERS).delimiter
    except csv.Error:
        found = None
    if found and found in header:
        return found
    counts = {d: header.count(d) for d in DELIMITERS}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] else ","


@dataclass(frozen=True, slots=True)
class Record:
    """One CSV record: where it starts in the file and its fields."""

    line: int
    fields: list[str]


def read_records(text: str, delimiter: str) -> Iterator[Record]:
    """Yield the records of a CSV text, blank lines left out.

    Parameters
    ----------
    text
        The decoded file.
    delimiter
        Its field delimiter.

    Yields
    ------
    Record
        Each record with the line it starts on (1 = first line of the file); quoted
        newlines keep a record on its first line.

    Raises
    ------
    InvalidProblemError
        When the file cannot be read as CSV (e.g. a quote never closed), naming the line.
    """
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    consumed = 0
    while True:
        start = consumed + 1
        try:
            fields = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            raise InvalidProblemError(
                f"CSV line {start}: cannot be read ({exc}); is a quote left open?",
                field=f"line {start}",
            ) from None
        consumed = reader.line_num
        if not any(field.strip() for field in fields):
            continue  # blank line (or only delimiters): not a row
        if start == 1 and _SEP_HINT.match(delimiter.join(fields)):
            continue  # Excel's delimiter hint, not the header
        yield Record(line=start, fields=fields)
