"""The table readers and writers of import and export files, on real bytes."""

import base64
import codecs
import csv
import io
import re
import zipfile
import zlib
from datetime import UTC, date, datetime, time
from decimal import Decimal
from time import monotonic

import pytest
from django.core.files import File
from openpyxl import Workbook, load_workbook
from openpyxl.worksheet import _writer as openpyxl_writer

from api.v1.features.data_jobs import formats
from api.v1.features.data_jobs.formats import (
    BadFile,
    escape_cell,
    open_table,
    write_csv,
    write_pdf,
    write_xlsx,
)

INVALID_XLSX = "The file is not a valid XLSX workbook."
MB = 1024 * 1024


def read_csv(data: bytes):
    with open_table(io.BytesIO(data), "csv") as table:
        return table.headers, list(table.rows())


def read_xlsx(data: bytes):
    with open_table(io.BytesIO(data), "xlsx") as table:
        return table.headers, list(table.rows())


def xlsx_bytes(headers, rows, **kwargs) -> bytes:
    buffer = io.BytesIO()
    write_xlsx(buffer, headers, rows, **kwargs)
    return buffer.getvalue()


def plain_workbook(rows) -> bytes:
    """A workbook made by openpyxl itself, cell by cell (rows maps row number to values)."""
    workbook = Workbook()
    sheet = workbook.active
    for number, values in rows.items():
        for column, value in enumerate(values, 1):
            sheet.cell(row=number, column=column, value=value)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def rezipped(data: bytes, name: str, content: bytes) -> bytes:
    """The zip `data` with the member `name` replaced by `content`."""
    buffer = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(data)) as source,
        zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as target,
    ):
        for member in source.infolist():
            body = content if member.filename == name else source.read(member)
            target.writestr(member.filename, body)
    return buffer.getvalue()


def zip_of(members) -> bytes:
    """A zip of the members, each given as an iterable of byte chunks."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, chunks in members.items():
            with archive.open(name, "w") as member:
                for chunk in chunks:
                    member.write(chunk)
    return buffer.getvalue()


def zeros(size: int):
    chunk = b"\0" * (64 * 1024)
    for _ in range(size // len(chunk)):
        yield chunk


def pdf_text(pdf: bytes) -> bytes:
    """The page content streams of a reportlab PDF, decoded, with the pieces of text one
    line is drawn in joined again."""
    contents = []
    for match in re.finditer(rb"stream\r?\n(.*?)endstream", pdf, re.S):
        data = match.group(1).strip()
        if data.endswith(b"~>"):
            data = base64.a85decode(data, adobe=True)
        contents.append(zlib.decompress(data))
    return b"\n".join(contents).replace(b") Tj (", b"")


# CSV reading: encodings


def test_csv_utf8():
    headers, rows = read_csv("name,city\nAlice,Zürich\n".encode())

    assert headers == ["name", "city"]
    assert rows == [(2, ["Alice", "Zürich"], False)]


def test_csv_utf8_bom_is_not_part_of_the_first_header():
    headers, rows = read_csv(b"\xef\xbb\xbfname,city\r\nAlice,Z\xc3\xbcrich\r\n")

    assert headers == ["name", "city"]
    assert rows == [(2, ["Alice", "Zürich"], False)]


@pytest.mark.parametrize(
    ("bom", "encoding"), [(codecs.BOM_UTF16_LE, "utf-16-le"), (codecs.BOM_UTF16_BE, "utf-16-be")]
)
def test_csv_utf16_with_bom(bom, encoding):
    headers, rows = read_csv(bom + "name;city\r\nCafé;Köln\r\n".encode(encoding))

    assert headers == ["name", "city"]
    assert rows == [(2, ["Café", "Köln"], False)]


def test_csv_cp1252():
    headers, rows = read_csv("name,price\nCafé,€5\n".encode("cp1252"))

    assert headers == ["name", "price"]
    assert rows == [(2, ["Café", "€5"], False)]


def test_csv_latin1_when_not_cp1252():
    # 0x81 is undefined in cp1252; in Latin-1 every byte is a character.
    _, rows = read_csv(b"name\nA\x81\xe9\n")

    assert rows == [(2, ["A\x81é"], False)]


def test_csv_encoding_is_decided_on_the_whole_file():
    ascii_rows = (b"row %06d,plain ascii text to fill the file up\n" % i for i in range(2500))
    data = b"name,note\n" + b"".join(ascii_rows) + "Café,end\n".encode("cp1252")
    assert data.index(b"\xe9") > 100 * 1024

    with open_table(io.BytesIO(data), "csv") as table:
        last = list(table.rows())[-1]

    assert last == (2502, ["Café", "end"], False)


# CSV reading: structure


@pytest.mark.parametrize("delimiter", [";", "\t", "|", ","])
def test_csv_delimiter_is_sniffed(delimiter):
    text = io.StringIO()
    csv.writer(text, delimiter=delimiter).writerows(
        [["name", "city", "note"], ["Ann", "Paris", "a, b"]]
    )

    headers, rows = read_csv(text.getvalue().encode())

    assert headers == ["name", "city", "note"]
    assert rows == [(2, ["Ann", "Paris", "a, b"], False)]


def test_csv_single_column():
    headers, rows = read_csv(b"email\nann@example.com\nbob@example.com\n")

    assert headers == ["email"]
    assert [cells for _, cells, _ in rows] == [["ann@example.com"], ["bob@example.com"]]


def test_csv_quoted_multiline_cell_is_one_row():
    _, rows = read_csv(b'name,note\nAnn,"first line\nsecond line"\nBob,x\n')

    assert rows == [
        (2, ["Ann", "first line\nsecond line"], False),
        (3, ["Bob", "x"], False),
    ]


def test_csv_blank_rows_are_skipped_but_numbered():
    _, rows = read_csv(b"a,b\n1,2\n\n , \n3,4\n")

    assert [(number, cells) for number, cells, _ in rows] == [(2, ["1", "2"]), (5, ["3", "4"])]


def test_csv_cells_are_stripped_and_missing_cells_padded():
    headers, rows = read_csv(b" a , b ,c\n  1  \n")

    assert headers == ["a", "b", "c"]
    assert rows == [(2, ["1", "", ""], False)]


def test_csv_extra_cells_are_flagged():
    _, rows = read_csv(b"a,b\n1,2,3\n4,5,,\n")

    assert rows == [(2, ["1", "2"], True), (3, ["4", "5"], False)]


def test_csv_trailing_unnamed_columns_are_dropped():
    headers, rows = read_csv(b"a,b,,\n1,2,,\n3,4,,x\n")

    assert headers == ["a", "b"]
    assert rows == [(2, ["1", "2"], False), (3, ["3", "4"], True)]


def test_csv_duplicate_header_is_refused_whatever_its_case():
    with pytest.raises(BadFile, match=r'"name".*more than once'):
        read_csv(b"Name,city, name \n1,2,3\n")


def test_csv_unnamed_column_before_a_named_one_is_refused():
    with pytest.raises(BadFile, match=r"Column 2 .*no name"):
        read_csv(b"a,,c\n1,2,3\n")


@pytest.mark.parametrize(
    "data", [b"", b"\xef\xbb\xbf", b"  \r\n\t\n", "\n \n".encode("utf-16"), b",,\n"]
)
def test_csv_empty_file_is_refused(data):
    with pytest.raises(BadFile, match=r"^The file is empty\.$"):
        read_csv(data)


def test_csv_first_row_must_be_the_header():
    with pytest.raises(BadFile, match="Row 1 is empty"):
        read_csv(b"\nname\nAnn\n")


def test_csv_header_only_file_has_no_rows():
    with open_table(io.BytesIO(b"a,b\n"), "csv") as table:
        assert table.headers == ["a", "b"]
        assert table.count() == 0
        assert list(table.rows()) == []


def test_csv_count_skips_blank_rows():
    with open_table(io.BytesIO(b"a\n1\n\n2\n,\n3\n"), "csv") as table:
        assert table.count() == 3


def test_csv_nul_byte_is_refused_with_its_row():
    with pytest.raises(BadFile, match=r"^Row 3: .*NUL"):
        read_csv(b"a,b\n1,2\n3,\x004\n")


def test_csv_cell_over_the_field_limit_is_refused_with_its_row():
    data = b'a,b\n1,2\n3,"' + b"x" * (formats.CSV_FIELD_LIMIT + 1) + b'"\n'

    with pytest.raises(BadFile, match=r"^Row 3: a cell is longer than 1 MB"):
        read_csv(data)


def test_csv_cell_under_the_field_limit_is_read():
    long_cell = "x" * (formats.CSV_FIELD_LIMIT - 10)

    _, rows = read_csv(f"a,b\n1,{long_cell}\n".encode())

    assert rows == [(2, ["1", long_cell], False)]


def test_csv_overlong_line_is_refused(monkeypatch):
    monkeypatch.setattr(formats, "CSV_LINE_LIMIT", 50)

    with pytest.raises(BadFile, match=r"^Row 2: a line is longer than"):
        read_csv(b"a,b\n" + b"1," + b"x" * 100 + b"\n")


def test_csv_rows_after_resumes():
    data = b"n\n" + b"".join(b"%d\n" % i for i in range(2, 8))

    with open_table(io.BytesIO(data), "csv") as table:
        numbers = [number for number, _, _ in table.rows(after=5)]
        again = [cells for _, cells, _ in table.rows(after=6)]

    assert numbers == [6, 7]
    assert again == [["7"]]


def test_csv_row_limit(settings):
    settings.DATA_IMPORT_MAX_ROWS = 3
    allowed = io.BytesIO(b"a\n1\n\n2\n3\n")
    too_many = io.BytesIO(b"a\n1\n2\n3\n4\n")

    with open_table(allowed, "csv") as table:
        assert table.count() == 3
    with open_table(too_many, "csv") as table:
        with pytest.raises(BadFile, match="more than 3 rows"):
            table.count()
        with pytest.raises(BadFile, match="more than 3 rows"):
            list(table.rows(after=4))


def test_csv_escaped_cells_are_unescaped():
    data = b"a\n'=1+1\n'-x\n'@SUM(A1)\n'+1\n'abc\n'\n"

    _, rows = read_csv(data)

    assert [cells[0] for _, cells, _ in rows] == ["=1+1", "-x", "@SUM(A1)", "+1", "'abc", "'"]


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_reading_a_django_file(fmt):
    data = b"a,b\n1,2\n" if fmt == "csv" else xlsx_bytes(["a", "b"], [[1, 2]])

    with open_table(File(io.BytesIO(data), name=f"upload.{fmt}"), fmt) as table:
        assert list(table.rows()) == [(2, ["1", "2"], False)]


def test_reading_leaves_the_callers_file_open():
    fileobj = io.BytesIO(b"a,b\n1,2\n")

    with open_table(fileobj, "csv") as table:
        list(table.rows())

    assert not fileobj.closed


@pytest.mark.parametrize("data", [b"a\n", b""])
def test_unknown_format_is_a_programming_error(data):
    with pytest.raises(ValueError, match="ods"):
        open_table(io.BytesIO(data), "ods")


def test_csv_sniffing_stays_fast_on_text_full_of_quotes():
    data = b"name,note\n" + b"".join(b"it's %d, a 'test\n" % i for i in range(20_000))

    started = monotonic()
    headers, rows = read_csv(data)

    assert monotonic() - started < 2
    assert headers == ["name", "note"]
    assert rows[0] == (2, ["it's 0", "a 'test"], False)


# XLSX reading


def test_xlsx_round_trip_of_values():
    row = [
        "Ann",
        42,
        0.1,
        1e-7,
        3.0,
        True,
        False,
        date(2024, 2, 29),
        datetime(2024, 3, 1),
        datetime(2024, 3, 1, 13, 45, 10),
        time(8, 30),
        Decimal("12.50"),
        None,
        "  padded  ",
    ]
    headers = [f"c{i}" for i in range(len(row))]

    read_headers, rows = read_xlsx(xlsx_bytes(headers, [row]))

    assert read_headers == headers
    assert rows == [
        (
            2,
            [
                "Ann",
                "42",
                "0.1",
                "0.0000001",
                "3",
                "true",
                "false",
                "2024-02-29",
                "2024-03-01",
                "2024-03-01T13:45:10",
                "08:30:00",
                "12.5",
                "",
                "padded",
            ],
            False,
        )
    ]


def test_xlsx_rows_are_numbered_as_in_the_sheet():
    data = plain_workbook({1: ["name", "qty"], 2: ["a", 1], 4: ["b", 2], 6: [None, None, "x"]})

    with open_table(io.BytesIO(data), "xlsx") as table:
        rows = list(table.rows())
        count = table.count()
        resumed = [number for number, _, _ in table.rows(after=4)]

    assert rows == [(2, ["a", "1"], False), (4, ["b", "2"], False), (6, ["", ""], True)]
    assert count == 3
    assert resumed == [6]


def test_xlsx_header_rules():
    with pytest.raises(BadFile, match="more than once"):
        read_xlsx(plain_workbook({1: ["Name", "NAME"]}))
    with pytest.raises(BadFile, match=r"Column 1 .*no name"):
        read_xlsx(plain_workbook({1: [None, "b"]}))
    headers, _ = read_xlsx(plain_workbook({1: [" a ", "b", None, "  "], 2: [1, 2]}))
    assert headers == ["a", "b"]


def test_xlsx_wrong_declared_dimensions_do_not_cut_rows():
    data = plain_workbook({1: ["n"], 2: [1], 3: [2], 4: [3]})
    sheet = "xl/worksheets/sheet1.xml"
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        xml = archive.read(sheet)
    assert b'<dimension ref="A1:A4"' in xml

    _, rows = read_xlsx(rezipped(data, sheet, xml.replace(b"A1:A4", b"A1:A1")))

    assert [cells for _, cells, _ in rows] == [["1"], ["2"], ["3"]]


def test_xlsx_empty_sheet_is_refused():
    with pytest.raises(BadFile, match=r"^The file is empty\.$"):
        read_xlsx(plain_workbook({}))


def test_xlsx_row_limit(settings):
    settings.DATA_IMPORT_MAX_ROWS = 2
    data = xlsx_bytes(["n"], [[1], [2], [3]])

    with open_table(io.BytesIO(data), "xlsx") as table, pytest.raises(BadFile, match="than 2"):
        table.count()


@pytest.mark.parametrize(
    "data",
    [
        b"",
        b"name,city\nAnn,Paris\n",
        b"PK\x03\x04 truncated",
        zip_of({"hello.txt": [b"hello"]}),
    ],
    ids=["empty", "csv", "broken-zip", "zip-not-workbook"],
)
def test_xlsx_that_is_not_a_workbook_is_refused(data):
    expected = "The file is empty." if not data else INVALID_XLSX

    with pytest.raises(BadFile) as caught:
        read_xlsx(data)

    assert str(caught.value) == expected


def test_truncated_xlsx_is_refused():
    data = xlsx_bytes(["a"], [[1]])

    with pytest.raises(BadFile, match=re.escape(INVALID_XLSX)):
        read_xlsx(data[: len(data) // 2])


def test_xlsx_with_a_corrupt_sheet_is_refused():
    data = rezipped(xlsx_bytes(["a"], [[1]]), "xl/worksheets/sheet1.xml", b"<worksheet><sheetD")

    with pytest.raises(BadFile, match=re.escape(INVALID_XLSX)):
        read_xlsx(data)


def test_zip_bomb_is_refused_before_it_is_opened(monkeypatch):
    bomb = zip_of({"[Content_Types].xml": [b"<x/>"], "xl/bomb.bin": zeros(20 * MB)})
    assert len(bomb) < 100 * 1024
    monkeypatch.setattr(formats, "load_workbook", pytest.fail)

    with pytest.raises(BadFile, match="compressed more than 200 times"):
        read_xlsx(bomb)


def test_small_members_are_not_held_to_the_ratio():
    data = zip_of({"padding.bin": zeros(MB - 64 * 1024)})

    with pytest.raises(BadFile) as caught:
        read_xlsx(data)

    assert str(caught.value) == INVALID_XLSX


def test_unzipped_size_limit(settings):
    data = xlsx_bytes(["a", "b"], ([i, "text"] for i in range(200)))
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        unzipped = sum(member.file_size for member in archive.infolist())

    settings.DATA_IMPORT_MAX_UNZIPPED_SIZE = unzipped
    assert read_xlsx(data)[0] == ["a", "b"]
    settings.DATA_IMPORT_MAX_UNZIPPED_SIZE = unzipped - 1
    with pytest.raises(BadFile, match=f"unpacks to more than {unzipped - 1:,} bytes: refused"):
        read_xlsx(data)


def test_unzipped_size_limit_message_in_megabytes(settings):
    settings.DATA_IMPORT_MAX_UNZIPPED_SIZE = 2 * MB
    data = zip_of({"a.bin": (b"%07d\n" % i for i in range(300_000))})

    with pytest.raises(BadFile, match=r"^The XLSX file unpacks to more than 2 MB: refused\.$"):
        read_xlsx(data)


# Escaping


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("=cmd|' /C calc'!A0", "'=cmd|' /C calc'!A0"),
        ("+1+1", "'+1+1"),
        ("-x", "'-x"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\t=1", "'\t=1"),
        ("\r=1", "'\r=1"),
        ("-inf", "'-inf"),
        ("-5", "-5"),
        ("+1", "+1"),
        ("+3.2", "+3.2"),
        ("-1e3", "-1e3"),
        ("-.5", "-.5"),
        ("1-2", "1-2"),
        ("a=b", "a=b"),
        ("", ""),
        (-5, -5),
        (None, None),
    ],
)
def test_escape_cell(value, expected):
    assert escape_cell(value) == expected


# CSV writing


def test_write_csv():
    buffer = io.BytesIO()
    rows = (
        row
        for row in [
            ["Ann", 3, 0.1, Decimal("1.50"), True, None, date(2024, 1, 2)],
            ["=cmd|' /C calc'!A0", -5, 2.0, Decimal("0"), False, "-5", datetime(2024, 1, 2, 3, 4)],
            ["+1", "-x", "@SUM(A1)", "a\nb", "", "", time(9, 0)],
        ]
    )

    count = write_csv(buffer, ["name", "n", "f", "d", "b", "none", "when"], rows)

    data = buffer.getvalue()
    assert count == 3
    assert data.startswith(b"\xef\xbb\xbfname,n,f,d,b,none,when\r\n")
    assert list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline=""))) == [
        ["name", "n", "f", "d", "b", "none", "when"],
        ["Ann", "3", "0.1", "1.50", "true", "", "2024-01-02"],
        ["'=cmd|' /C calc'!A0", "-5", "2", "0", "false", "-5", "2024-01-02T03:04:00"],
        ["+1", "'-x", "'@SUM(A1)", "a\nb", "", "", "09:00:00"],
    ]
    assert not buffer.closed


def test_written_csv_reads_back_to_the_same_values():
    values = ["=1+1", "-x", "@A", "+1", "-5", 'Café, "quoted"', "two\nlines", "€"]
    buffer = io.BytesIO()
    write_csv(buffer, ["v"], ([value] for value in values))

    headers, rows = read_csv(buffer.getvalue())

    assert headers == ["v"]
    assert [cells[0] for _, cells, _ in rows] == values


def test_write_csv_with_no_rows():
    buffer = io.BytesIO()

    assert write_csv(buffer, ["a", "b"], iter([])) == 0
    assert buffer.getvalue() == b"\xef\xbb\xbfa,b\r\n"


# XLSX writing


def test_write_xlsx_layout():
    data = xlsx_bytes(
        ["name", "qty"], [["Ann", 1]], title="Q1/Q2: [Report] *2024* with a long tail"
    )

    workbook = load_workbook(io.BytesIO(data))
    sheet = workbook.worksheets[0]
    assert len(workbook.worksheets) == 1
    assert sheet.title == "Q1Q2 Report 2024 with a long ta"
    assert sheet.freeze_panes == "A2"
    assert sheet["A1"].font.bold
    assert sheet["A1"].value == "name"
    assert not sheet["A2"].font.bold
    assert sheet["B2"].value == 1
    assert sheet["B2"].data_type == "n"


@pytest.mark.parametrize(("title", "expected"), [("'quoted'", "quoted"), ("[]:*?/\\", "Export")])
def test_write_xlsx_sheet_title_edge_cases(title, expected):
    workbook = load_workbook(io.BytesIO(xlsx_bytes(["a"], [], title=title)))

    assert workbook.worksheets[0].title == expected


def test_write_xlsx_never_writes_formulas():
    cells = ["=cmd|' /C calc'!A0", "+1+1", "-x", "@SUM(A1)", "-5", "+1", "=1"]

    data = xlsx_bytes(["=header", *[f"c{i}" for i in range(1, len(cells))]], [cells])

    sheet = load_workbook(io.BytesIO(data)).worksheets[0]
    written = list(sheet.iter_rows(values_only=False))
    assert all(cell.data_type != "f" for row in written for cell in row)
    assert [cell.value for cell in written[1]] == [
        "'=cmd|' /C calc'!A0",
        "'+1+1",
        "'-x",
        "'@SUM(A1)",
        "-5",
        "+1",
        "'=1",
    ]
    assert written[0][0].value == "'=header"
    headers, rows = read_xlsx(data)
    assert headers[0] == "=header"
    assert rows[0][1] == cells


def test_write_xlsx_removes_illegal_characters_and_cuts_long_text():
    data = xlsx_bytes(["a", "b", "c"], [["a\x01b\x1fc\x0b", "\x02=1+1", "x" * 40_000]])

    sheet = load_workbook(io.BytesIO(data)).worksheets[0]
    assert sheet["A2"].value == "abc"
    assert sheet["B2"].value == "'=1+1"
    assert len(sheet["C2"].value) == 32767


def test_write_xlsx_values_excel_cannot_hold_become_text():
    aware = datetime(2024, 5, 6, 7, 8, 9, tzinfo=UTC)
    naive = datetime(2024, 5, 6, 7, 8, 9)
    big = 12345678901234567890

    data = xlsx_bytes(["aware", "naive", "big", "decimal"], [[aware, naive, big, Decimal("1.5")]])

    sheet = load_workbook(io.BytesIO(data)).worksheets[0]
    assert sheet["A2"].value == "2024-05-06T07:08:09+00:00"
    assert sheet["B2"].value == naive
    assert sheet["C2"].value == str(big)
    assert sheet["D2"].value == 1.5
    assert sheet["D2"].data_type == "n"


def test_write_xlsx_returns_the_row_count_and_streams_a_generator():
    buffer = io.BytesIO()

    count = write_xlsx(buffer, ["n"], ([i] for i in range(500)))

    assert count == 500
    with open_table(buffer, "xlsx") as table:
        assert table.count() == 500


def test_write_xlsx_failure_removes_the_temporary_file():
    def rows():
        yield ["a"]
        raise RuntimeError("database went away")

    before = list(openpyxl_writer.ALL_TEMP_FILES)

    with pytest.raises(RuntimeError, match="database went away"):
        write_xlsx(io.BytesIO(), ["a"], rows())

    assert before == openpyxl_writer.ALL_TEMP_FILES


# PDF writing


GENERATED = datetime(2025, 1, 2, 3, 4, tzinfo=UTC)


def pdf_bytes(headers, rows, **kwargs) -> tuple[int, bytes]:
    buffer = io.BytesIO()
    kwargs = {"title": "Products", "details": [], "generated_at": GENERATED, **kwargs}
    count = write_pdf(buffer, headers, rows, **kwargs)
    return count, buffer.getvalue()


def test_write_pdf_heading():
    count, pdf = pdf_bytes(
        ["name"],
        [["Ann"]],
        details=["Filters: status = ACTIVE", "Organization: Acme"],
    )

    text = pdf_text(pdf)
    assert count == 1
    assert pdf.startswith(b"%PDF")
    assert pdf.rstrip().endswith(b"%%EOF")
    for expected in [
        b"(Products)",
        b"(Filters: status = ACTIVE)",
        b"(Organization: Acme)",
        b"(Generated 2025-01-02 03:04 UTC)",
        b"(Ann)",
        b"(Page 1 of 1)",
    ]:
        assert expected in text


def test_write_pdf_pages_are_numbered_and_repeat_the_header():
    count, pdf = pdf_bytes(["name", "code"], ([f"item {i}", i] for i in range(60)))

    text = pdf_text(pdf)
    assert count == 60
    assert b"/Count 2 " in pdf
    assert b"(Page 1 of 2)" in text
    assert b"(Page 2 of 2)" in text
    assert b"Page 3" not in text
    assert text.count(b"(code)") == 2
    assert b"(item 59)" in text


def test_write_pdf_escapes_markup():
    _, pdf = pdf_bytes(["<b>head</b>"], [["<b>x</b> & <font>"], ["a &amp; b"]])

    text = pdf_text(pdf)
    assert b"(<b>x</b> & <font>)" in text
    assert b"(a &amp; b)" in text
    assert b"(<b>head</b>)" in text


def test_write_pdf_cuts_long_cells():
    _, pdf = pdf_bytes(["long"], [["Z" * 1000]])

    text = pdf_text(pdf)
    assert text.count(b"Z") == formats.PDF_CELL_LIMIT - 1
    assert b"\\205" in text


def test_write_pdf_without_rows():
    count, pdf = pdf_bytes(["name", "code"], iter([]))

    text = pdf_text(pdf)
    assert count == 0
    assert pdf.startswith(b"%PDF")
    assert b"(name)" in text
    assert b"(No records.)" in text
    assert b"(Page 1 of 1)" in text
