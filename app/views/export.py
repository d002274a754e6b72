"""CSV and Excel export of a list, with the list's current filters and order."""
import csv
import io
from datetime import date, datetime
from decimal import Decimal

from flask import Response, stream_with_context
from flask_appbuilder import expose
from flask_appbuilder.security.decorators import has_access
from flask_appbuilder.urltools import get_filter_args, get_order_args
from openpyxl import Workbook

EXPORT_BATCH = 2000


def cell_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    return str(value)


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
        value = self.datamodel.get_values_item(item, [column])[0]
        formatter = self.formatters_columns.get(column)
        if formatter:
            return cell_text(formatter(value))
        if isinstance(value, (int, float, Decimal)) and not isinstance(value, bool):
            return value
        return cell_text(value)

    def export_name(self, ext: str) -> str:
        return f"{self.__class__.__name__.removesuffix('View').lower()}-{date.today().isoformat()}.{ext}"

    @expose("/export/csv")
    @has_access
    def export_csv(self):
        def generate():
            buffer = io.StringIO()
            writer = csv.writer(buffer)
            buffer.write("\ufeff")  # Excel needs the BOM to read UTF-8 Chinese text.
            for row in self.export_rows():
                writer.writerow([cell_text(v) for v in row])
                if buffer.tell() > 64 * 1024:
                    yield buffer.getvalue()
                    buffer.seek(0)
                    buffer.truncate()
            yield buffer.getvalue()

        return Response(
            stream_with_context(generate()), mimetype="text/csv; charset=utf-8",
            headers={"Content-Disposition": f"attachment; filename={self.export_name('csv')}"},
        )

    @expose("/export/xlsx")
    @has_access
    def export_xlsx(self):
        workbook = Workbook(write_only=True)
        sheet = workbook.create_sheet()
        for row in self.export_rows():
            sheet.append(row)
        out = io.BytesIO()
        workbook.save(out)
        return Response(
            out.getvalue(),
            mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            headers={"Content-Disposition": f"attachment; filename={self.export_name('xlsx')}"},
        )
