"""CSV and Excel export of a list, with the list's current filters and order (cells written by app.spreadsheets)."""
from datetime import date

from flask import Response, stream_with_context
from flask_appbuilder import expose
from flask_appbuilder.security.decorators import has_access
from flask_appbuilder.urltools import get_filter_args, get_order_args

from app.spreadsheets import MoneyValue, csv_chunks, is_number, xlsx_bytes

CSV_MIMETYPE = "text/csv; charset=utf-8"
XLSX_MIMETYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def csv_response(rows, filename: str) -> Response:
    """A CSV download; `rows` may be a generator (streamed in 64 KB pieces)."""
    return Response(stream_with_context(csv_chunks(rows)), mimetype=CSV_MIMETYPE,
                    headers={"Content-Disposition": f"attachment; filename={filename}"})


def xlsx_response(rows, filename: str) -> Response:
    return Response(xlsx_bytes(rows), mimetype=XLSX_MIMETYPE,
                    headers={"Content-Disposition": f"attachment; filename={filename}"})


class ExportMixin:
    """Adds /export/csv and /export/xlsx to a ModelView; rows obey the same filters as the list."""

    list_template = "adsheet/list.html"

    def export_rows(self):
        get_filter_args(self._filters)
        order_column, order_direction = get_order_args().get(self.__class__.__name__, ("", ""))
        if not order_column and self.base_order:
            order_column, order_direction = self.base_order
        joined = self._filters.get_joined_filters(self._base_filters)
        _count, items = self.datamodel.query(joined, order_column, order_direction)
        columns = list(self.list_columns)
        yield [str(self.label_columns.get(c, c)) for c in columns]
        for item in items:
            yield [self.export_value(item, column) for column in columns]

    def export_value(self, item, column):
        """The cell as the list shows it (formatted, translated), but numbers kept as numbers."""
        value = self.datamodel.get_values_item(item, [column])[0]
        formatter = self.formatters_columns.get(column)
        if getattr(formatter, "is_money", False):
            return None if value is None else MoneyValue(value)  # a number, shown as money in Excel
        if formatter:
            value = formatter(value)
        if value is None or isinstance(value, (str, date, bool)) or is_number(value):
            return value
        return str(value)  # lazy translations, related rows

    def export_name(self, ext: str) -> str:
        return f"{self.__class__.__name__.removesuffix('View').lower()}-{date.today().isoformat()}.{ext}"

    @expose("/export/csv")
    @has_access
    def export_csv(self):
        return csv_response(self.export_rows(), self.export_name("csv"))

    @expose("/export/xlsx")
    @has_access
    def export_xlsx(self):
        return xlsx_response(self.export_rows(), self.export_name("xlsx"))
