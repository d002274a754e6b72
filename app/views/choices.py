"""Search-as-you-type relation fields: no page embeds a whole related table.

Every relation field of an add/edit form and every relation filter of a list's search form is an
`AjaxRelationField`: the page carries only the current value; the browser (static/js/choices.js, select2)
asks `/<view>/choices/<column>?q=<text>&page=<n>` for matching rows, 20 at a time. The endpoint and the
form's validation use the same rows (`allowed_rows`): the form's relation filters (e.g. a Sales user's own
customers), the target record's own-rows filter and its read permission. A forged id outside them is
refused next to the field.
"""
from flask import current_app, jsonify, request, url_for
from flask_appbuilder import expose
from flask_appbuilder.security.decorators import has_access
from flask_babel import gettext
from markupsafe import Markup
from sqlalchemy import or_
from sqlalchemy.orm import joinedload
from wtforms import Field
from wtforms.validators import DataRequired, Optional, ValidationError
from wtforms.widgets import html_params

from .datamodel import repr_loads
from .list_args import MAX_PAGE, whole_number

PAGE_SIZE = 20


def label_columns(model) -> list:
    """The columns a typed text is matched against, per related model (first one orders the choices)."""
    from flask_appbuilder.security.sqla.models import User

    from app.models import AdSlot, Contact, Contract, Customer, Issue, Publication

    return {
        Customer: [Customer.name], Contact: [Contact.name], Contract: [Contract.number],
        Publication: [Publication.name], Issue: [Issue.number], AdSlot: [AdSlot.name],
        User: [User.username, User.first_name, User.last_name],
    }.get(model, [])


# Rows whose options name their customer too ("周志强 (某某公司)", "HT-2026-0001 (某某公司)"), and are found by it.
WITH_CUSTOMER = ("Contact", "Contract")


def text_clause(model, term: str):
    from app.models import Customer
    from app.search import clean_search_text, customer_name_contains, escape_like

    term = clean_search_text(term)
    if model is Customer:
        return customer_name_contains(term)
    clauses = [column.ilike(f"%{escape_like(term)}%", escape="\\") for column in label_columns(model)]
    if model.__name__ in WITH_CUSTOMER and len(term) >= 2:  # a contract by its customer's name, too
        clauses.append(customer_name_contains(term, model.customer_id))
    return or_(*clauses) if clauses else None


def choice_text(row) -> str:
    """An option's text: the row's own name, with its company for contacts and contracts."""
    customer = getattr(row, "customer", None) if type(row).__name__ in WITH_CUSTOMER else None
    return f"{row} ({customer.name})" if customer is not None else str(row)


def choice_loads(model) -> list:
    loads = [joinedload(getattr(model, sub)) for sub in repr_loads(model)]
    if model.__name__ in WITH_CUSTOMER:
        loads.append(joinedload(model.customer))
    return loads


def context_clause(view, column: str, model, chosen: str):
    """Rows of `column` limited by what the form already chose (`view.relation_context`: the contact of an
    activity among the chosen customer's contacts); None when the column depends on nothing or nothing is
    chosen yet."""
    from sqlalchemy import select

    from app.models import Customer

    depends = (getattr(view, "relation_context", None) or {}).get(column)
    if not depends or not valid_id_text(chosen or "") or "customer_id" not in model.__table__.c:
        return None
    source = view.datamodel.get_related_interface(depends).obj
    if source is Customer:
        return model.customer_id == int(chosen)
    if "customer_id" in source.__table__.c:  # e.g. a booking's contract: that contract's customer
        return model.customer_id.in_(select(source.customer_id).where(source.id == int(chosen)))
    return None


def target_record(model) -> str | None:
    from app.labels import TABLE_RECORDS

    return TABLE_RECORDS.get(getattr(model, "__tablename__", ""))


def allowed_rows(view, column: str):
    """A query of the rows the current user may pick for `column` of `view` (None: none at all)."""
    from app.security.matrix import RECORDS
    from app.security.ownership import OwnRowsFilter

    datamodel = view.datamodel.get_related_interface(column)
    model = datamodel.obj
    record = target_record(model)
    if record is not None and not current_app.appbuilder.sm.has_access("can_read", RECORDS[record]):
        return None
    rel_filters = list((view.add_form_query_rel_fields or {}).get(column, []))
    if record is not None:
        rel_filters.append(["id", OwnRowsFilter, record])
    filters = datamodel.get_filters().add_filter_list(rel_filters)
    return filters.apply_all(datamodel.session.query(model))


class AjaxRelationWidget:
    """A text input that choices.js turns into a select2 asking the endpoint; carries the current value."""

    def __call__(self, field, **kwargs):
        kwargs.setdefault("id", field.id)
        kwargs["class"] = ("adsheet-choices form-control " + kwargs.get("class", "")).strip()
        value = field._value()
        depends = (getattr(field.view_cls, "relation_context", None) or {}).get(field.column, "")
        params = html_params(type="text", name=field.name, value=value, **{
            "data-endpoint": url_for(f"{field.view_name}.choices", column=field.column),
            "data-label": field.label_text(), "data-placeholder": gettext("Type to search"),
            "data-required": "1" if field.flags.required else "", "data-depends": depends,
        }, **kwargs)
        return Markup(f"<input {params}>")


class AjaxRelationField(Field):
    widget = AjaxRelationWidget()

    def __init__(self, label=None, validators=None, *, view_name: str, column: str, view_cls, **kwargs):
        super().__init__(label, validators, **kwargs)
        self.view_name, self.column, self.view_cls = view_name, column, view_cls
        self._raw = ""

    def _value(self) -> str:
        if self.raw_data:
            return self.raw_data[0] or ""
        return str(self.data.id) if self.data is not None and hasattr(self.data, "id") else (
            str(self.data) if self.data not in (None, "") else "")

    def label_text(self) -> str:
        return choice_text(self.data) if self.data is not None and hasattr(self.data, "id") else ""

    def process_formdata(self, valuelist):
        self._raw = (valuelist[0] if valuelist else "") or ""
        self.data = None

    def pre_validate(self, form):
        if not self._raw:
            return
        rows = allowed_rows(self.view_cls, self.column)
        item = None
        if rows is not None and valid_id_text(self._raw):
            model = rows.column_descriptions[0]["entity"]
            rows = rows.filter(model.id == int(self._raw))
            depends = (getattr(self.view_cls, "relation_context", None) or {}).get(self.column)
            other = getattr(form, depends, None) if depends else None
            clause = context_clause(self.view_cls, self.column, model, getattr(other, "_raw", "")) if other else None
            item = rows.one_or_none()
            if item is not None and clause is not None and rows.filter(clause).one_or_none() is None:
                # one the user may see, but of another customer than the one chosen beside it
                raise ValidationError(gettext("This belongs to another customer: choose one of the chosen "
                                              "customer's."))
        if item is None:
            raise ValidationError(gettext("Not a valid choice"))
        self.data = item


def valid_id_text(text: str) -> bool:
    """Digits of an id the database can hold (a longer number overflowed the driver: a 500)."""
    return text.isascii() and text.isdigit() and int(text) < 2 ** 63


def relation_field(view_cls, column: str, label, required: bool):
    return AjaxRelationField(
        label, [DataRequired() if required else Optional()],
        view_name=view_cls.__name__, column=column, view_cls=view_cls)


def install_relation_fields(cls) -> None:
    """Give every relation column of the view's forms and search form an AjaxRelationField."""
    datamodel = cls.datamodel
    labels = cls.label_columns or {}

    def fields_for(columns, existing, search=False):
        fields = dict(existing or {})
        for column in columns or ():
            if column in fields or not datamodel.is_relation_many_to_one(column):
                continue
            local = list(getattr(datamodel.obj, column).property.local_columns)
            required = not search and any(not col.nullable for col in local)
            fields[column] = relation_field(cls, column, labels.get(column, column), required)
        return fields

    cls.add_form_extra_fields = fields_for(cls.add_columns, cls.add_form_extra_fields)
    cls.edit_form_extra_fields = fields_for(cls.edit_columns, cls.edit_form_extra_fields)
    cls.search_form_extra_fields = fields_for(cls.search_columns, cls.search_form_extra_fields, search=True)


class ChoicesMixin:
    """The JSON endpoint behind AjaxRelationField: /<view>/choices/<column>?q=&page=1 (or ?id=)."""

    @expose("/choices/<column>")
    @has_access
    def choices(self, column):
        columns = set(self.add_columns or ()) | set(self.edit_columns or ()) | set(self.search_columns or ())
        if column not in columns or not self.datamodel.is_relation_many_to_one(column):
            return jsonify({"message": gettext("Unknown field")}), 404
        rows = allowed_rows(self, column)
        if rows is None:
            return jsonify({"results": [], "more": False})
        model = rows.column_descriptions[0]["entity"]
        rows = rows.options(*choice_loads(model))
        wanted = request.args.get("id", "")
        if wanted:
            found = rows.filter(model.id == int(wanted)).all() if valid_id_text(wanted) else []
            return jsonify({"results": [{"id": r.id, "text": choice_text(r)} for r in found], "more": False})
        clause = context_clause(self, column, model, request.args.get("within", ""))
        if clause is not None:
            rows = rows.filter(clause)
        term = request.args.get("q", "").strip()[:100]
        if term:
            clause = text_clause(model, term)
            if clause is not None:
                rows = rows.filter(clause)
        page = whole_number(request.args.get("page", "1"))
        if page is None or not 1 <= page <= MAX_PAGE:
            return jsonify({"message": gettext("page must be a page number from 1 to %(max)s.", max=MAX_PAGE)}), 400
        order = label_columns(model)[:1] or [model.id]
        found = rows.order_by(*order, model.id).offset((page - 1) * PAGE_SIZE).limit(PAGE_SIZE + 1).all()
        return jsonify({"results": [{"id": r.id, "text": choice_text(r)} for r in found[:PAGE_SIZE]],
                        "more": len(found) > PAGE_SIZE})


__all__ = ["AjaxRelationField", "ChoicesMixin", "install_relation_fields"]
