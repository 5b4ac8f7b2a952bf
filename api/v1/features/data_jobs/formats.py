"""Reading and writing the tables of import and export files: CSV, XLSX and PDF.

Files are read and written a row at a time, so that a job over a million rows needs no
more memory than a job over ten. A file is a table: its first row holds the column names
and every other row is a record. Anything that keeps a file from being read as such a
table is a BadFile, whose message is meant for the user who sent the file.
"""

import codecs
import csv
import io
import math
import re
import zipfile
import zlib
from contextlib import closing, suppress
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from xml.etree.ElementTree import ParseError
from xml.sax.saxutils import escape as xml_escape

from django.conf import settings
from openpyxl import Workbook, load_workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font
from openpyxl.utils.exceptions import InvalidFileException
from openpyxl.workbook.child import INVALID_TITLE_REGEX
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.styles import ParagraphStyle, getSampleStyleSheet
from reportlab.lib.units import cm
from reportlab.pdfgen import canvas
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, TableStyle
from reportlab.platypus import Table as PdfTable

CHUNK_SIZE = 64 * 1024
SNIFF_SIZE = 16 * 1024
CSV_DELIMITERS = ",;\t|"
CSV_FIELD_LIMIT = 1024 * 1024
CSV_LINE_LIMIT = 8 * 1024 * 1024
ZIP_RATIO_MIN_SIZE = 1024 * 1024
XLSX_CELL_LIMIT = 32767
EXCEL_DIGITS = 15
SHEET_TITLE_LIMIT = 31
PDF_CELL_LIMIT = 300
PDF_FONT_SIZE = 7

ESCAPED_STARTS = ("=", "+", "-", "@", "\t", "\r")
PLAIN_NUMBER_RE = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?")

INVALID_XLSX = "The file is not a valid XLSX workbook."
XLSX_ERRORS = (
    zipfile.BadZipFile,
    zipfile.LargeZipFile,
    InvalidFileException,
    KeyError,
    IndexError,
    ValueError,
    TypeError,
    AttributeError,
    ParseError,
    EOFError,
    NotImplementedError,
    zlib.error,
)


class BadFile(Exception):
    """A file that cannot be read as a table. str(exc) is the message shown to the user,
    so it says what is wrong in the user's words (with the row number when there is one)."""


def open_table(fileobj, fmt: str) -> "Table":
    """Open a CSV or XLSX file (a seekable binary file object) as a Table, its header
    row read and checked.

    Everything that can be known about the file without reading all of it is checked
    here, so that a job fails at once on a file it could never import: emptiness, the
    header row, and for XLSX the zip bomb guards and the workbook structure."""
    reader = TABLE_READERS.get(fmt)
    if reader is None:
        raise ValueError(f"No table reader for the format {fmt!r}.")
    if _is_empty(fileobj):
        raise BadFile("The file is empty.")
    table = reader(fileobj)
    try:
        table.headers = table._read_headers()
    except BaseException:
        table.close()
        raise
    return table


def _is_empty(fileobj) -> bool:
    fileobj.seek(0)
    empty = not fileobj.read(1)
    fileobj.seek(0)
    return empty


class Table:
    """The rows of an import file, read on demand.

    Every pass (rows(), count()) reads the file again from its start, so the two must not
    be interleaved on one Table. Subclasses provide _records(): every record of the file
    with its number, cells already stripped and unescaped."""

    headers: list[str]

    def __init__(self):
        self.headers = []

    def _records(self):
        raise NotImplementedError

    def _read_headers(self) -> list[str]:
        """The column names of row 1, checked: a job cannot map columns it cannot name."""
        with closing(self._records()) as records:
            first = next(records, None)
            if first is None or not any(first[1]):
                if first is None or not any(any(cells) for _, cells in records):
                    raise BadFile("The file is empty.")
                raise BadFile("Row 1 is empty: the first row must hold the column names.")
        return _checked_headers(first[1])

    def rows(self, after: int = 1):
        """Yield (row_number, cells, extra) for the non-blank data rows numbered above
        `after`.

        row_number is the record's number in the file (the header is row 1), so that errors
        point to the row the user sees and a job can resume after its last committed row.
        cells holds exactly one string per header; extra is True when the row has values
        beyond the named columns, which the engine reports as a row error rather than
        dropping data silently. Blank rows are skipped but keep their number. The rows
        skipped by `after` are still read, to count them against DATA_IMPORT_MAX_ROWS."""
        width = len(self.headers)
        limit = settings.DATA_IMPORT_MAX_ROWS
        seen = 0
        with closing(self._records()) as records:
            for number, cells in records:
                if number == 1 or not any(cells):
                    continue
                seen += 1
                if seen > limit:
                    raise BadFile(f"The file has more than {limit:,} rows: refused.")
                if number > after:
                    yield number, _fitted(cells, width), any(cells[width:])

    def count(self) -> int:
        """The number of non-blank data rows, by a streaming pass (for progress and the
        row limit before any row is imported)."""
        return sum(1 for _ in self.rows())

    def close(self):
        """Release what the reader holds; the caller's file itself stays open."""

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        self.close()


def _checked_headers(cells: list[str]) -> list[str]:
    """Trailing unnamed columns are dropped (spreadsheets often carry empty formatted
    columns); an unnamed column before a named one, or a name used twice whatever its
    case, would make the mapping of columns to fields ambiguous."""
    names = list(cells)
    while names and not names[-1]:
        names.pop()
    seen = set()
    for position, name in enumerate(names, 1):
        if not name:
            raise BadFile(f"Column {position} of the header row has no name.")
        key = name.casefold()
        if key in seen:
            raise BadFile(f'The column "{name}" appears more than once in the header row.')
        seen.add(key)
    return names


def _fitted(cells: list[str], width: int) -> list[str]:
    return cells[:width] + [""] * (width - len(cells))


def _clean(text: str) -> str:
    """Strip a cell and undo escape_cell, so that an exported file imports back to the
    values it was made from."""
    text = text.strip()
    if len(text) > 1 and text[0] == "'" and text[1] in "=+-@\t\r":
        return text[1:].strip()
    return text


class _LineError(Exception):
    """A physical line the CSV reader must not see; turned into a BadFile with the row
    number by the record loop."""


class CsvTable(Table):
    """A CSV file, its encoding and delimiter found once when it is opened."""

    def __init__(self, fileobj):
        super().__init__()
        self._file = fileobj
        self._encoding = _detect_encoding(fileobj)
        self._delimiter = _sniff_delimiter(fileobj, self._encoding)

    def _records(self):
        csv.field_size_limit(CSV_FIELD_LIMIT)
        self._file.seek(0)
        text = io.TextIOWrapper(self._file, encoding=self._encoding, newline="")
        try:
            reader = csv.reader(_lines(text), delimiter=self._delimiter)
            number = 1
            while True:
                try:
                    record = next(reader)
                except StopIteration:
                    return
                except (csv.Error, _LineError, UnicodeDecodeError) as exc:
                    raise BadFile(f"Row {number}: {_csv_reason(exc)}") from exc
                yield number, [_clean(cell) for cell in record]
                number += 1
        finally:
            with suppress(ValueError):
                text.detach()


def _lines(text):
    """The physical lines of the text, bounded in length so that a file without line
    breaks cannot be read into memory whole, and free of NUL, which the csv module of
    Python 3.11 accepts but no text file holds."""
    while line := text.readline(CSV_LINE_LIMIT):
        if len(line) == CSV_LINE_LIMIT and line[-1] not in "\r\n":
            raise _LineError(f"a line is longer than {CSV_LINE_LIMIT // (1024 * 1024)} MB.")
        if "\x00" in line:
            raise _LineError("line contains NUL (is this really a CSV file?).")
        yield line


def _csv_reason(exc: Exception) -> str:
    if isinstance(exc, UnicodeDecodeError):
        return f"the text cannot be decoded as {exc.encoding}."
    if "field larger than field limit" in str(exc):
        return f"a cell is longer than {CSV_FIELD_LIMIT // (1024 * 1024)} MB."
    return str(exc)


def _detect_encoding(fileobj) -> str:
    """The file's encoding from its BOM, or else the first of UTF-8 and cp1252 in which
    the whole file decodes (a byte that only exists in cp1252 may come after megabytes of
    ASCII), or else Latin-1, in which every byte is a character."""
    fileobj.seek(0)
    head = fileobj.read(4)
    if head.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    for encoding in ("utf-8", "cp1252"):
        if _decodes(fileobj, encoding):
            return encoding
    return "latin-1"


def _decodes(fileobj, encoding: str) -> bool:
    decoder = codecs.getincrementaldecoder(encoding)()
    fileobj.seek(0)
    try:
        for chunk in iter(lambda: fileobj.read(CHUNK_SIZE), b""):
            decoder.decode(chunk)
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return False
    return True


def _sniff_delimiter(fileobj, encoding: str) -> str:
    """The delimiter csv.Sniffer finds in the first complete lines of the file, among
    those spreadsheets export (a comma when it finds none: a one-column file).

    The sample is kept to 16 KB: the Sniffer's quote detection takes time quadratic in
    the sample when the text has quotes or apostrophes (some seconds for 64 KB)."""
    fileobj.seek(0)
    text = io.TextIOWrapper(fileobj, encoding=encoding, errors="replace", newline="")
    try:
        sample = text.read(SNIFF_SIZE)
    finally:
        text.detach()
    cut = max(sample.rfind("\n"), sample.rfind("\r"))
    if cut > 0 and len(sample) == SNIFF_SIZE:
        sample = sample[:cut]
    try:
        return csv.Sniffer().sniff(sample, delimiters=CSV_DELIMITERS).delimiter
    except csv.Error:
        return ","


class XlsxTable(Table):
    """The first worksheet of an XLSX workbook, read with openpyxl in read-only mode (rows
    parsed as they are iterated). The zip container is checked before openpyxl opens it."""

    def __init__(self, fileobj):
        super().__init__()
        self._workbook = None
        _check_zip(fileobj)
        fileobj.seek(0)
        try:
            self._workbook = load_workbook(
                fileobj, read_only=True, data_only=True, keep_links=False
            )
            self._sheet = self._workbook.worksheets[0]
            self._sheet.reset_dimensions()
        except XLSX_ERRORS as exc:
            self.close()
            raise BadFile(INVALID_XLSX) from exc

    def _records(self):
        """The rows of the sheet from row 1; openpyxl fills in the rows the file leaves
        out, so that enumeration gives the sheet's row numbers. The dimensions the file
        declares are ignored (reset_dimensions): they may be wrong and cut rows off."""
        try:
            rows = self._sheet.iter_rows(min_row=1, values_only=True)
            for number, values in enumerate(rows, 1):
                yield number, [_clean(_xlsx_text(value)) for value in values]
        except XLSX_ERRORS as exc:
            raise BadFile(INVALID_XLSX) from exc

    def close(self):
        if self._workbook is not None:
            self._workbook.close()
            self._workbook = None


TABLE_READERS = {"csv": CsvTable, "xlsx": XlsxTable}


def _check_zip(fileobj):
    """Refuse a zip bomb from the sizes its directory declares, before anything is
    unpacked (zipfile never unpacks more than a member's declared size)."""
    try:
        with zipfile.ZipFile(fileobj) as archive:
            members = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, EOFError) as exc:
        raise BadFile(INVALID_XLSX) from exc
    max_size = settings.DATA_IMPORT_MAX_UNZIPPED_SIZE
    if sum(member.file_size for member in members) > max_size:
        raise BadFile(f"The XLSX file unpacks to more than {_size_text(max_size)}: refused.")
    max_ratio = settings.DATA_IMPORT_MAX_ZIP_RATIO
    for member in members:
        ratio = member.file_size / max(member.compress_size, 1)
        if member.file_size > ZIP_RATIO_MIN_SIZE and ratio > max_ratio:
            raise BadFile(
                f"The XLSX file is compressed more than {max_ratio} times over "
                "(a zip bomb?): refused."
            )


def _size_text(size: int) -> str:
    megabytes, rest = divmod(size, 1024 * 1024)
    return f"{megabytes} MB" if megabytes and not rest else f"{size:,} bytes"


def _xlsx_text(value) -> str:
    """A cell's value as the text an import parses. Excel stores dates as date-times, so
    a date-time at midnight is taken as a date."""
    if isinstance(value, datetime) and value.time() == time() and value.tzinfo is None:
        return value.date().isoformat()
    return _text(value)


def _text(value) -> str:
    """A value as text, the same way in every format: ISO 8601 dates, lower-case
    booleans, and numbers without exponents or float noise."""
    if value is None:
        return ""
    if type(value) is int:  # the commonest, first
        return str(value)
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return _float_text(value)
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, date | time):
        return value.isoformat()
    return str(value)


def _float_text(value: float) -> str:
    if not math.isfinite(value):
        return str(value)
    if value.is_integer():
        return str(int(value))
    shortest = repr(value)
    if "e" in shortest:
        return format(Decimal(shortest), "f")
    return shortest


def escape_cell(value):
    """Guard a text cell against formula injection: a spreadsheet runs a cell that starts
    with = + - @ (or a tab or carriage return before them) as a formula, so such a cell
    gets a leading quote, which spreadsheets show as text and open_table removes again.
    Plain numbers such as "-5" or "+3.2" are left alone; non-strings are returned as is."""
    if (
        isinstance(value, str)
        and value.startswith(ESCAPED_STARTS)
        and not PLAIN_NUMBER_RE.fullmatch(value)
    ):
        return "'" + value
    return value


def write_csv(fileobj, headers: list[str], rows) -> int:
    """Write a CSV file, UTF-8 with a BOM (without it Excel takes the file for cp1252), to
    the caller's binary file, which stays open. Returns the number of data rows."""
    text = io.TextIOWrapper(fileobj, encoding="utf-8-sig", newline="")
    try:
        writer = csv.writer(text)
        writer.writerow(_csv_cells(headers))
        count = 0
        for row in rows:
            writer.writerow(_csv_cells(row))
            count += 1
    finally:
        text.detach()
    return count


def _csv_cells(row) -> list[str]:
    # escape_cell only for the texts that may need it (by their first character).
    return [
        escape_cell(text)
        if (text := value if type(value) is str else _text(value))[:1] in _RISKY
        else text
        for value in row
    ]


_RISKY = frozenset(ESCAPED_STARTS)


def write_xlsx(fileobj, headers, rows, *, title: str = "Export") -> int:
    """Write an XLSX workbook of one sheet to the caller's binary file: a bold header row
    that stays in view, numbers, booleans and dates as such, text escaped. openpyxl's
    write-only mode streams the rows to a temporary file until the workbook is saved.
    Returns the number of data rows."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=_sheet_title(title))
    sheet.freeze_panes = "A2"
    try:
        sheet.append([_header_cell(sheet, name) for name in headers])
        count = 0
        for row in rows:
            sheet.append([_xlsx_value(value) for value in row])
            count += 1
    except BaseException:
        _discard(sheet)
        raise
    workbook.save(fileobj)
    return count


def _sheet_title(title: str) -> str:
    """A sheet name Excel accepts: none of \\ / ? * [ ] :, no quote at either end, at most
    31 characters."""
    cleaned = ILLEGAL_CHARACTERS_RE.sub("", INVALID_TITLE_REGEX.sub("", title))
    cleaned = cleaned.strip().strip("'")[:SHEET_TITLE_LIMIT].strip().strip("'")
    return cleaned or "Export"


def _header_cell(sheet, name) -> WriteOnlyCell:
    cell = WriteOnlyCell(sheet, value=_xlsx_string(_text(name)))
    cell.font = Font(bold=True)
    return cell


def _xlsx_value(value):
    """A value as openpyxl should store it. Time-zone-aware date-times (which Excel cannot
    hold) and numbers of more than 15 digits (which Excel would round) become text."""
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, int | float | Decimal):
        return value if _fits_excel(value) else _xlsx_string(_text(value))
    if isinstance(value, datetime | time) and value.utcoffset() is not None:
        return _xlsx_string(value.isoformat())
    if isinstance(value, date | time | timedelta):
        return value
    return _xlsx_string(_text(value))


def _fits_excel(number) -> bool:
    if isinstance(number, float):
        return math.isfinite(number)
    if isinstance(number, Decimal):
        return number.is_finite() and len(number.as_tuple().digits) <= EXCEL_DIGITS
    return abs(number) < 10**EXCEL_DIGITS


def _xlsx_string(text: str) -> str:
    """Text a worksheet can hold: no XML control characters, escaped, and cut to Excel's
    limit for a cell."""
    return escape_cell(ILLEGAL_CHARACTERS_RE.sub("", text))[:XLSX_CELL_LIMIT]


def _discard(sheet):
    """Remove the temporary file a write-only sheet streams its rows to: openpyxl removes
    it only when the workbook is saved, which a failed export never reaches."""
    writer = sheet._writer
    if writer is None:
        return
    with suppress(Exception):
        sheet.close()
    with suppress(OSError, ValueError):
        writer.cleanup()


def write_pdf(
    fileobj, headers, rows, *, title: str, details: list[str], generated_at: datetime
) -> int:
    """Write a PDF for reading: landscape A4, the title, the details of the export (its
    filters, the organization), when it was generated, then the table, its header row
    repeated on every page and "Page X of Y" at the foot of each.

    A PDF is laid out as a whole, so the rows are held in memory: the engine caps the rows
    of a PDF export (DATA_EXPORT_PDF_MAX_ROWS). All text is XML-escaped, as a Paragraph
    would otherwise take user data for markup. Returns the number of data rows."""
    styles = _pdf_styles()
    data = [[Paragraph(_pdf_text(name), styles["header"]) for name in headers]]
    data.extend([Paragraph(_pdf_text(value), styles["cell"]) for value in row] for row in rows)
    document = SimpleDocTemplate(
        fileobj,
        pagesize=landscape(A4),
        leftMargin=1.2 * cm,
        rightMargin=1.2 * cm,
        topMargin=1.2 * cm,
        bottomMargin=1.5 * cm,
        title=title,
    )
    story = [
        Paragraph(xml_escape(title), styles["title"]),
        *(Paragraph(xml_escape(line), styles["detail"]) for line in details),
        Paragraph(xml_escape(f"Generated {_moment(generated_at)}"), styles["detail"]),
        Spacer(1, 0.4 * cm),
    ]
    if headers:
        story.append(_pdf_table(data, document.width))
    if len(data) == 1:
        story.extend([Spacer(1, 0.3 * cm), Paragraph("No records.", styles["detail"])])
    document.build(story, canvasmaker=_NumberedCanvas)
    return len(data) - 1


def _pdf_styles() -> dict[str, ParagraphStyle]:
    sample = getSampleStyleSheet()
    cell = ParagraphStyle(
        "cell", fontName="Helvetica", fontSize=PDF_FONT_SIZE, leading=PDF_FONT_SIZE + 1.5
    )
    return {
        "title": sample["Title"],
        "detail": ParagraphStyle("detail", parent=sample["Normal"], fontSize=9, leading=12),
        "cell": cell,
        "header": ParagraphStyle("header", parent=cell, fontName="Helvetica-Bold"),
    }


def _pdf_table(data, width: float) -> PdfTable:
    columns = len(data[0])
    table = PdfTable(data, colWidths=[width / columns] * columns, repeatRows=1)
    table.setStyle(
        TableStyle(
            [
                ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#d9dee4")),
                ("ROWBACKGROUNDS", (0, 1), (-1, -1), [colors.white, colors.HexColor("#f2f4f7")]),
                ("GRID", (0, 0), (-1, -1), 0.25, colors.HexColor("#b8bec6")),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("TOPPADDING", (0, 0), (-1, -1), 2),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 2),
                ("LEFTPADDING", (0, 0), (-1, -1), 3),
                ("RIGHTPADDING", (0, 0), (-1, -1), 3),
            ]
        )
    )
    return table


def _pdf_text(value) -> str:
    """A cell as Paragraph markup: cut (a PDF is for reading, not for whole documents),
    stripped of control characters, escaped, its line breaks kept."""
    text = ILLEGAL_CHARACTERS_RE.sub("", _text(value))
    if len(text) > PDF_CELL_LIMIT:
        text = text[: PDF_CELL_LIMIT - 1] + "…"
    return xml_escape(text).replace("\r\n", "<br/>").replace("\n", "<br/>")


def _moment(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%d %H:%M %Z").rstrip()


class _NumberedCanvas(canvas.Canvas):
    """A canvas that holds its pages back until the document is complete, so that each
    can say "Page X of Y"."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._pages = []

    def showPage(self):
        self._pages.append(dict(self.__dict__))
        self._startPage()

    def save(self):
        total = len(self._pages)
        for page in self._pages:
            self.__dict__.update(page)
            self._draw_footer(total)
            super().showPage()
        super().save()

    def _draw_footer(self, total: int):
        width, _height = self._pagesize
        self.setFont("Helvetica", PDF_FONT_SIZE)
        self.setFillColor(colors.HexColor("#555555"))
        self.drawRightString(width - 1.2 * cm, 0.8 * cm, f"Page {self._pageNumber} of {total}")
