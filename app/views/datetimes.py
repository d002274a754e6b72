"""Date-and-time fields of the forms (a payment's receipt and confirmation, a proof's times).

FAB gives a DateTime column bootstrap-datepicker, which picks a day only: the form then held "2026-11-29", its
field (format "%Y-%m-%d %H:%M:%S") refused it, and a typed "2026-11-29 17:05" was cut to the day when the
picker closed. Here the field takes a date and a time to the minute ("2026-11-29 17:05"; seconds and a "T"
between are accepted too) and the widget (static/js/datetime.js) pairs a day picker, localised like every date
picker (static/js/locale.js), with a time box: picking a day keeps the time typed, picking a time keeps the day.

These times are stored in UTC like every moment the server stamps (app.models.base.utcnow): a form shows and
reads them in the office's zone (APP_TIMEZONE), and the pages show them so (app.views.base.plain_formatters).
"""
from datetime import datetime, timezone

from flask_babel import gettext, lazy_gettext as _l
from markupsafe import Markup
from wtforms import Field
from wtforms.validators import Optional
from wtforms.widgets import html_params

from .display import local_minute_text, office_zone

FORMATS = ("%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S", "%Y/%m/%d %H:%M",
           "%Y/%m/%d %H:%M:%S")
EXAMPLE = "2026-11-29 17:05"


def parse_local(text: str) -> datetime:
    """A typed local date and time -> naive UTC. ValueError (with words for the user) if it is not one."""
    text = " ".join(text.replace("\uff1a", ":").replace("\u3000", " ").split())  # full-width colon and space
    for pattern in FORMATS:
        try:
            moment = datetime.strptime(text, pattern)
            break
        except ValueError:
            continue
    else:
        raise ValueError(gettext("Give a date and a time, such as %(example)s.", example=EXAMPLE))
    zone = office_zone()
    aware = moment.replace(tzinfo=zone) if zone is not None else moment.astimezone()  # naive: the server's zone
    return aware.astimezone(timezone.utc).replace(tzinfo=None)


class DateTimeWidget:
    """A text box for "YYYY-MM-DD HH:MM", a calendar button (a day) and a time box (a time of day)."""

    def __call__(self, field, **kwargs):
        kwargs.setdefault("id", field.id)
        kwargs.setdefault("name", field.name)
        kwargs.setdefault("placeholder", EXAMPLE)
        kwargs.setdefault("autocomplete", "off")
        kwargs["class"] = (kwargs.get("class", "") + " form-control adsheet-datetime-text").strip()
        text = html_params(type="text", value=field._value(), **kwargs)
        return Markup(
            '<div class="input-group adsheet-datetime">'
            f'<span class="input-group-addon adsheet-datetime-day" style="position:relative" role="button" tabindex="0" '
            f'title="{Markup.escape(gettext("Pick a day"))}"><i class="fa fa-calendar cursor-hand"></i>'
            # the day picker's anchor: bootstrap-datepicker drops down from an input (on a span it is inline)
            '<input type="text" class="adsheet-datetime-picker" tabindex="-1" aria-hidden="true" '
            'style="position:absolute;left:0;bottom:0;width:1px;height:1px;opacity:0;border:0;padding:0"></span>'
            f"<input {text}>"
            '<span class="input-group-addon adsheet-datetime-clock">'
            f'<input type="time" step="60" class="adsheet-datetime-time" '
            f'aria-label="{Markup.escape(gettext("Time"))}" title="{Markup.escape(gettext("Time"))}"></span>'
            "</div>")


class LocalDateTimeField(Field):
    widget = DateTimeWidget()

    def _value(self):
        if self.raw_data:
            return " ".join(self.raw_data)  # as typed: a refused value stays for the user to correct
        return local_minute_text(self.data) if self.data else ""

    def process_formdata(self, valuelist):
        text = " ".join(valuelist).strip() if valuelist else ""
        if not text:
            self.data = None
            return
        try:
            self.data = parse_local(text)
        except ValueError as problem:
            self.data = None
            raise ValueError(str(problem)) from None


def install_datetime_fields(cls) -> None:
    """Every DateTime column of the view's add and edit forms becomes a LocalDateTimeField."""
    from sqlalchemy import DateTime, inspect

    mapper = inspect(cls.datamodel.obj)
    labels = cls.label_columns or {}
    checks = cls.validators_columns or {}

    def fields_for(columns, existing):
        fields = dict(existing or {})
        for column in columns or ():
            col = mapper.columns.get(column)
            if column in fields or col is None or not isinstance(col.type, DateTime):
                continue
            fields[column] = LocalDateTimeField(labels.get(column, column),
                                                validators=[Optional(), *checks.get(column, [])],
                                                description=_l("Date and time, e.g. %(example)s", example=EXAMPLE))
        return fields

    cls.add_form_extra_fields = fields_for(cls.add_columns, cls.add_form_extra_fields)
    cls.edit_form_extra_fields = fields_for(cls.edit_columns, cls.edit_form_extra_fields)
