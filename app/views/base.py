"""What every record's ModelView and ModelRestApi share: permissions, row filters, write guards."""
from flask_babel import gettext
from marshmallow import fields
from marshmallow.validate import Length
from wtforms import SelectField

from app.checks import api_validators, form_validators
from app.api_errors import SafeApiMixin
from app.database_errors import DatabaseRefused, database_error_text, refusal, refusing_database_errors
from app.labels import enum_choices, enum_label, enum_labels
from app.models.integrity import blocking_dependents
from app.security.matrix import RECORDS
from app.security.ownership import OwnRowsFilter, RefusedWrite
from app.workflow.guards import check_record_write
from app.workflow.http import Refusal

from app.search import CustomerNameSearchMixin

from .choices import ChoicesMixin, install_relation_fields
from .finding import FindingMixin
from .datetimes import install_datetime_fields
from .versions import VersionedApiMixin, VersionedViewMixin
from .widgets import BoundedCountListWidget, EditableShowWidget, SearchWidget

from flask_appbuilder.fieldwidgets import Select2Widget

# ModelView and ModelRestApi methods -> the matrix operation they need.
VIEW_METHOD_PERMISSIONS = {
    "list": "read", "show": "read", "document": "read", "export_csv": "read", "export_xlsx": "read",
    "choices": "read", "save_view": "read", "delete_view": "read",  # one's own saved views (app.views.finding)
    "add": "add", "edit": "edit", "delete": "delete",
}
API_METHOD_PERMISSIONS = {
    "get": "read", "get_list": "read", "info": "read", "related_options": "read",
    "post": "add", "put": "edit", "delete": "delete",
}


def enum_select(label, enum_cls, required=True):
    """A select of an enum's translated labels (forms store the value). An optional one starts with an empty
    choice and stores nothing (NULL) for it: '' is no value of the enum, and the database refuses it."""
    from wtforms.validators import DataRequired, Optional

    if required:
        return SelectField(label, choices=enum_choices(enum_cls), widget=Select2Widget(),
                           validators=[DataRequired()])
    return SelectField(label, choices=[("", "")] + enum_choices(enum_cls), widget=Select2Widget(),
                       validators=[Optional()], filters=[lambda value: value or None])


def enum_formatter(enum_cls):
    return EnumFormatter(enum_cls)


class EnumFormatter:
    """Shows an enum column by its translated label."""

    def __init__(self, enum_cls):
        self.enum_cls = enum_cls

    def __call__(self, value) -> str:
        return enum_label(self.enum_cls, value)

    def for_page(self):
        """The same, with the labels translated once for a page of rows (app.views.widgets)."""
        labels = enum_labels(self.enum_cls)
        return lambda value: "" if value is None else labels.get(value) or str(value)


def own_rel_filter(record: str):
    """Relation choices limited like the record's own rows."""
    return [["id", OwnRowsFilter, record]]


class RecordMixin:
    """Mixed into each record's ModelView and ModelRestApi. Set `record` (matrix key)."""

    record: str = ""

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        if cls.record:
            cls.class_permission_name = RECORDS[cls.record]
            # Views sharing a permission name must declare the same set, or FAB prunes.
            cls.base_permissions = ["can_read", "can_add", "can_edit", "can_delete"]
            cls.base_filters = [["id", OwnRowsFilter, cls.record]]

    def guard(self, item, deleting: bool = False) -> None:
        check_record_write(self.record, item, deleting=deleting)

    def pre_add(self, item):
        self.guard(item)

    def pre_update(self, item):
        self.guard(item)

    def pre_delete(self, item):
        self.guard(item, deleting=True)
        dependents = blocking_dependents(item)
        if dependents:
            from app.labels import RECORD_LABELS, TABLE_RECORDS

            names = ", ".join(f"{RECORD_LABELS[TABLE_RECORDS[table]]} ({count})" for table, count in dependents)
            raise RefusedWrite(gettext("This record cannot be deleted while other records refer to it: %(names)s.",
                                       names=names))


class RecordApiMixin(SafeApiMixin, VersionedApiMixin, RecordMixin):
    method_permission_name = {m: p for m, p in API_METHOD_PERMISSIONS.items()}
    include_route_methods = {"get", "get_list", "post", "put", "delete"}
    # Pages follow one order unless the caller sorts: without it PostgreSQL may return a row on two pages
    # and none on another (a client paging through every row missed some).
    base_order = ("id", "asc")

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        if cls.record:
            cls.resource_name = cls.record
            cls.validators_columns = api_validators(cls.record)
            use_sort_keys(cls)

    def _init_model_schemas(self) -> None:
        super()._init_model_schemas()
        # marshmallow-sqlalchemy rounds a Numeric(12, 2) value to two places while loading it (1.005 became
        # 1.00): keep what was sent, so the field checks refuse it as the forms and the sheet do.
        # Lengths likewise: the field checks measure text once normalised (app.checks), not as sent.
        for schema in (self.add_model_schema, self.edit_model_schema):
            for field in schema.fields.values():
                if isinstance(field, fields.Decimal):
                    field.places = None
                    from .amounts import AmountSchemaField

                    field.__class__ = AmountSchemaField  # "36,000" read by the one parser
                if isinstance(field, fields.String):
                    field.validators = [check for check in field.validators if not isinstance(check, Length)]

    def refusal(self, refused: RefusedWrite):
        """A refused write: 400 with the translated message, the rule's stable code and the field; a value the
        database refused (a duplicate...) answers like FAB's field errors, 422 naming the field."""
        self.datamodel.session.rollback()
        if isinstance(refused, DatabaseRefused):
            return self.refused_response(refused)
        return Refusal.of(refused).json_response()

    def put_headless(self, pk):
        # Loading the body resolves relations by query; without this, autoflush would write the new values
        # before guard() runs and hide what changed from the write rules.
        if not valid_pk(pk):
            return self.response_404()
        errors = self.relation_errors(self.edit_columns)
        if errors:
            return self.response_422(message=errors)
        try:
            with self.datamodel.session.no_autoflush:
                return super().put_headless(pk)
        except RefusedWrite as refused:
            return self.refusal(refused)

    def get_headless(self, pk, **kwargs):
        return super().get_headless(pk, **kwargs) if valid_pk(pk) else self.response_404()

    def delete_headless(self, pk):
        if not valid_pk(pk):
            return self.response_404()
        try:
            return super().delete_headless(pk)
        except RefusedWrite as refused:
            return self.refusal(refused)

    def post_headless(self):
        # Same for a new row: a query in pre_add (ownership, rules) would flush it half-checked, and a missing
        # required value would then fail outside FAB's error handling as a 500 instead of a 422.
        errors = self.relation_errors(self.add_columns)
        if errors:
            return self.response_422(message=errors)
        from sqlalchemy.exc import SQLAlchemyError

        try:
            with self.datamodel.session.no_autoflush:
                return super().post_headless()
        except RefusedWrite as refused:
            return self.refusal(refused)
        except SQLAlchemyError as exc:  # outside the datamodel's add (which refuses in words itself)
            return self.refused_response(refusal(exc, self.datamodel.session))

    def relation_errors(self, columns) -> dict:
        """A related row is given by its id: an object there made marshmallow-sqlalchemy fail with a 500."""
        from flask import request

        body = request.get_json(silent=True)
        if not isinstance(body, dict):
            return {}
        return {name: [gettext("Not a valid id.")] for name in columns or ()
                if name in body and self.datamodel.is_relation(name) and not self.datamodel.is_relation_many_to_many(name)
                and (isinstance(body[name], (dict, list)) or not valid_pk(body[name]))}



class RecordViewMixin(FindingMixin, VersionedViewMixin, CustomerNameSearchMixin, ChoicesMixin, RecordMixin):
    """A record's ModelView. A database error in a save never shows its SQL: the datamodel refuses it in words
    (FAB flashes that text, or `database_error_message` after a failed edit), and so do the write hooks
    (a query there may flush the half-made row)."""

    method_permission_name = {m: p for m, p in VIEW_METHOD_PERMISSIONS.items()}
    # FAB's `download/<filename>` is left out: documents download through `document` (app.views.documents).
    include_route_methods = {"list", "show", "add", "edit", "delete", "document", "export_csv", "export_xlsx",
                             "choices", "save_view", "delete_view"}
    add_template = "adsheet/add.html"
    edit_template = "adsheet/edit.html"
    list_widget = BoundedCountListWidget
    search_widget = SearchWidget
    show_widget = EditableShowWidget

    @property
    def database_error_message(self) -> str:
        return database_error_text()

    def pre_add(self, item):
        with refusing_database_errors(self.datamodel.session):
            super().pre_add(item)

    def pre_update(self, item):
        with refusing_database_errors(self.datamodel.session):
            super().pre_update(item)

    def pre_delete(self, item):
        with refusing_database_errors(self.datamodel.session):
            super().pre_delete(item)

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        if cls.record:
            use_eager_datamodel(cls)
            cls.validators_columns = with_unique_checks(
                cls, {**form_validators(cls.record), **getattr(cls, "extra_validators", {})})
            set_titles(cls)
            install_relation_fields(cls)  # search-as-you-type relation fields (app.views.choices)
            install_enum_fields(cls)  # labels and selects of the enums declared on the model's columns
            install_datetime_fields(cls)  # date and time to the minute, in the office's zone (app.views.datetimes)
            cls.formatters_columns = {**plain_formatters(cls), **(cls.formatters_columns or {})}
            cls.add_form_extra_fields = {**checkboxes(cls, cls.add_columns), **(cls.add_form_extra_fields or {})}
            cls.edit_form_extra_fields = {**checkboxes(cls, cls.edit_columns), **(cls.edit_form_extra_fields or {})}
            from .amounts import amount_fields  # "36,000" and "¥36，000" read by the one parser

            cls.add_form_extra_fields = {**amount_fields(cls, cls.add_columns), **cls.add_form_extra_fields}
            cls.edit_form_extra_fields = {**amount_fields(cls, cls.edit_columns), **cls.edit_form_extra_fields}


def install_enum_fields(cls) -> None:
    """Every enum column (declared once, on the model: app.models.base.enum_column) is shown by its translated
    label and edited through a select of its labels; a view states neither."""
    from app.models.base import enum_columns

    labels = cls.label_columns or {}
    shown = set(cls.list_columns or []) | set(cls.show_columns or [])
    nullable = {column.key: column.nullable for column in cls.datamodel.obj.__table__.columns}
    formatters = dict(cls.formatters_columns or {})
    add_fields, edit_fields = dict(cls.add_form_extra_fields or {}), dict(cls.edit_form_extra_fields or {})
    for field, enum_cls in enum_columns(cls.datamodel.obj).items():
        if field in shown:
            formatters.setdefault(field, enum_formatter(enum_cls))
        for columns, fields in ((cls.add_columns, add_fields), (cls.edit_columns, edit_fields)):
            if field in (columns or ()) and field not in fields:
                fields[field] = enum_select(labels.get(field, field), enum_cls, required=not nullable.get(field))
    cls.formatters_columns, cls.add_form_extra_fields, cls.edit_form_extra_fields = formatters, add_fields, edit_fields


class NotTaken:
    """Form validator: the value is not held by another row; the message names that row if the user may see
    it (app.workflow.duplicates)."""

    def __init__(self, record: str, model, column: str):
        self.record, self.model, self.column = record, model, column

    def __call__(self, form, field):
        from wtforms.validators import ValidationError

        from app.workflow.duplicates import duplicate_message

        message = duplicate_message(self.record, self.model, self.column, field.data, getattr(form, "_id", None))
        if message:
            raise ValidationError(message)


def with_unique_checks(cls, validators: dict) -> dict:
    """The view's validators (each list its own: FAB appends to them) plus NotTaken on unique columns."""
    from app.workflow.duplicates import unique_columns

    model = cls.datamodel.obj
    out = {column: list(checks) for column, checks in validators.items()}
    for column in unique_columns(model):
        out.setdefault(column, []).append(NotTaken(cls.record, model, column))
    return out


def use_eager_datamodel(cls) -> None:
    """Relations loaded with their rows, bounded counts, index-friendly deep pages (app.views.datamodel)."""
    from flask_appbuilder.models.sqla.interface import SQLAInterface

    from .datamodel import EagerSQLAInterface

    if "datamodel" in cls.__dict__ and type(cls.datamodel) is SQLAInterface:
        cls.datamodel = EagerSQLAInterface(cls.datamodel.obj)


def use_sort_keys(cls) -> None:
    """The API sorts names by their stored keys too (pinyin order; app.views.datamodel)."""
    from flask_appbuilder.models.sqla.interface import SQLAInterface

    from app.database_errors import SafeSQLAInterface

    from .datamodel import SortKeySQLAInterface

    if "datamodel" in cls.__dict__ and type(cls.datamodel) in (SQLAInterface, SafeSQLAInterface):
        cls.datamodel = SortKeySQLAInterface(cls.datamodel.obj)  # safe writes as well (app.database_errors)


def set_titles(cls) -> None:
    """Translated page titles instead of FAB's English "List Customer" and the like."""
    from flask_babel import lazy_gettext as _l

    from app.labels import RECORD_LABELS, RECORD_NAMES

    own = cls.__dict__
    name = own.get("record_name") or RECORD_NAMES.get(cls.record, RECORD_LABELS.get(cls.record, cls.record))
    if "list_title" not in own:
        cls.list_title = RECORD_LABELS.get(cls.record, name)
    if "show_title" not in own:
        cls.show_title = _l("%(name)s details", name=name)
    if "add_title" not in own:
        cls.add_title = _l("Add %(name)s", name=name)
    if "edit_title" not in own:
        cls.edit_title = _l("Edit %(name)s", name=name)


def plain_formatters(cls) -> dict:
    """Show booleans as yes/no, times to the minute in the office's zone (all are stored in UTC), and nothing
    (not "None") for empty values."""
    from sqlalchemy import Boolean, DateTime, inspect as sa_inspect
    from flask_babel import lazy_gettext as _l

    from .display import is_money_column, money_formatter

    mapper = sa_inspect(cls.datamodel.obj)
    shown = set(cls.list_columns or []) | set(cls.show_columns or [])
    formatters = {}
    for column in shown:
        col = mapper.columns.get(column)
        if col is not None and isinstance(col.type, Boolean):
            formatters[column] = lambda v: "" if v is None else (_l("Yes") if v else _l("No"))
        elif col is not None and is_money_column(cls.datamodel.obj, column):
            formatters[column] = money_formatter  # ¥36,000.00, right-aligned in lists (app.views.display)
        elif col is not None and isinstance(col.type, DateTime):
            from .display import local_minute_text

            # Stored in UTC, whether the server stamped them or a form read them (app.views.datetimes).
            formatters[column] = local_minute_text
        else:
            formatters[column] = lambda v: "" if v is None else v
    return formatters


__all__ = ["gettext", "RefusedWrite"]


def valid_pk(pk) -> bool:
    """An id the database can hold (64-bit): a larger one made the database driver fail with a 500."""
    try:
        return 0 <= int(pk) < 2 ** 63
    except (TypeError, ValueError):
        return True  # not a number: FAB's own lookup answers 404


def checkboxes(view, columns) -> dict:
    """Plain checkboxes for boolean columns: FAB gives a NOT NULL column InputRequired, which refuses every
    unticked checkbox (a contact that is not the ad contact, an unpublished booking could not be saved)."""
    from wtforms import BooleanField

    datamodel = view.datamodel
    return {
        column: BooleanField((view.label_columns or {}).get(column, column),
                             default=datamodel.get_col_default(column) or False)
        for column in columns or ()
        if column in datamodel.get_columns_list() and datamodel.is_boolean(column)
    }
