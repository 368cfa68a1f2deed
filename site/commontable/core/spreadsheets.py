"""CSV downloads that spreadsheet programs open as they were written."""

import csv

from django.http import HttpResponse

# Excel on Windows reads a CSV without a byte order mark in the local code page,
# so "Skwxwú7mesh" comes out as "SkwxwÃº7mesh"; with one it reads UTF-8.
BYTE_ORDER_MARK = "\ufeff"


def spreadsheet_safe(value):
    """Keep a cell from being read as a formula by spreadsheet programs (CSV injection)."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


class CsvDownload:
    """A CSV attachment, UTF-8 with a byte order mark, every cell kept from being a formula."""

    def __init__(self, filename: str, header: list[str]):
        self.response = HttpResponse(content_type="text/csv; charset=utf-8")
        self.response["Content-Disposition"] = f'attachment; filename="{filename}"'
        self.response.write(BYTE_ORDER_MARK)
        self.writer = csv.writer(self.response)
        self.writer.writerow(header)

    def row(self, cells) -> None:
        self.writer.writerow([spreadsheet_safe(cell) for cell in cells])
