"""The version a form or an API client saw travels with its save; a stale save is refused, nothing is lost.

- Edit forms carry a hidden `version` field (`VersionField`). On save the record is locked and compared with
  it: if someone else saved in between, the form is shown again with what the user typed, a message naming who
  changed which fields, and the current version, so that saving again applies the entries knowingly.
- The REST API returns `version` with every record; a PUT must send the version it is based on: 409 when the
  record changed since, 428 when the version is missing (see `VersionedApiMixin`).
"""
from flask import flash, request
from flask_babel import gettext
from wtforms import HiddenField
from wtforms.validators import ValidationError

from app.workflow.concurrency import is_versioned, last_changes, lock_for_update, parse_version


def stale_form_message(item, since_version: int | None) -> str:
    from app.labels import FIELD_LABELS

    users, fields = last_changes(item, since_version)
    names = [str(FIELD_LABELS.get(f.removesuffix("_id"), FIELD_LABELS.get(f, f))) for f in fields]
    if users or names:
        changed = gettext("Changed by %(users)s: %(fields)s.", users=", ".join(users) or "?",
                          fields=", ".join(names) or "?")
    else:
        changed = ""
    return " ".join(filter(None, [
        gettext("This record was changed by someone else since you opened it; nothing was saved."), changed,
        gettext("Your entries are kept below: check them against the current record, then save again to "
                "apply them.")]))


class VersionField(HiddenField):
    """The version the edit form was opened with. It is compared, never written: the version is the database's."""

    def __init__(self, label=None, validators=None, model=None, **kwargs):
        super().__init__(label, validators, **kwargs)
        self.model = model

    def populate_obj(self, obj, name):
        pass

    def pre_validate(self, form):
        from app.models import db

        pk = getattr(form, "_id", None)  # FAB sets the edited row's key on the form before validating it
        item = db.session.get(self.model, pk) if pk is not None else None
        if item is None:
            return
        lock_for_update(item)  # held until the save commits: nobody can slip in after this comparison
        submitted = parse_version(self.data)
        if submitted == item.version:
            return
        flash(stale_form_message(item, submitted), "danger")
        self.data = item.version  # the re-shown form is based on the record as it is now
        raise ValidationError(gettext("This record was changed by someone else since you opened it; nothing was "
                                      "saved."))


class VersionedViewMixin:
    """Adds the hidden version field to the edit form of a versioned record's ModelView."""

    def _init_forms(self):
        super()._init_forms()
        model = self.datamodel.obj
        if is_versioned(model) and self.edit_form is not None and not hasattr(self.edit_form, "version"):
            self.edit_form.version = VersionField(model=model)

    def _delete(self, pk):
        # Locked before FAB deletes it, so a save slipping in between cannot turn the DELETE into a database error.
        item = self.datamodel.get(pk, self._base_filters)
        if item is not None:
            lock_for_update(item)
        return super()._delete(pk)


def put_spec(api_name: str) -> dict:
    """The OpenAPI text of PUT for a versioned record: the version is required, 409 and 428 documented."""
    schema = f"#/components/schemas/{api_name}.put"
    error = {"description": "", "content": {"application/json": {"schema": {
        "type": "object", "properties": {"message": {"type": "string"}, "version": {"type": "integer"}}}}}}
    return {"put": {
        "description": (
            "Changes the record. Send the record's `version` (from GET) with the changed fields: if someone "
            "else changed the record since, nothing is saved and the answer is 409 with the current version; "
            "without a version the answer is 428."),
        "requestBody": {"description": "The changed fields and the version they are based on", "required": True,
                        "content": {"application/json": {"schema": {"$ref": schema}}}},
        "responses": {
            "200": {"description": "Item changed", "content": {"application/json": {"schema": {
                "type": "object", "properties": {"result": {"$ref": schema}}}}}},
            "400": {"$ref": "#/components/responses/400"},
            "401": {"$ref": "#/components/responses/401"},
            "404": {"$ref": "#/components/responses/404"},
            "409": {**error, "description": "Changed by someone else since that version; nothing was saved"},
            "422": {"$ref": "#/components/responses/422"},
            "428": {**error, "description": "The version the change is based on is missing"},
            "500": {"$ref": "#/components/responses/500"},
        },
    }}


class VersionedApiMixin:
    """GET answers carry `version`; a PUT must send the version it is based on."""

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        datamodel = cls.__dict__.get("datamodel")
        if datamodel is None or not is_versioned(datamodel.obj):
            return
        for attr in ("list_columns", "show_columns"):
            columns = list(getattr(cls, attr, None) or [])
            if columns and "version" not in columns:
                setattr(cls, attr, columns + ["version"])
        cls.openapi_spec_methods = {**(cls.openapi_spec_methods or {}), "put": put_spec(cls.__name__)}

    def add_apispec_components(self, api_spec):
        super().add_apispec_components(api_spec)
        if not is_versioned(self.datamodel.obj):
            return
        # The PUT body's schema: FAB's, plus the version the change is based on (required).
        schema = api_spec.components.schemas.get(self.edit_model_schema_name)
        if schema is not None and "version" not in schema.get("properties", {}):
            schema.setdefault("properties", {})["version"] = {
                "type": "integer", "minimum": 0,
                "description": "The version of the record the change is based on (as GET returned it)"}
            schema["required"] = [*schema.get("required", []), "version"]

    def put_headless(self, pk):
        item = self.datamodel.get(pk, self._base_filters)
        body = request.get_json(silent=True)
        if item is None or not isinstance(body, dict) or not is_versioned(item):
            return super().put_headless(pk)  # FAB answers 404 / 400 as before
        if body.get("version") is None:
            return self.response(428, message=gettext(
                "Send the version your change is based on (\"version\", as GET returned it), so that nobody's "
                "change is overwritten unseen."))
        expected = parse_version(body["version"])
        if expected is None:
            return self.response_422(message={"version": [gettext("Not a valid integer.")]})
        lock_for_update(item)  # held until the save commits
        if item.version != expected:
            return self.response(409, version=item.version, message=gettext(
                "This record was changed by someone else since you opened it (it is now at version %(version)s); "
                "nothing was saved. Read it again and send your change with the new version.",
                version=item.version))
        return super().put_headless(pk)

    def delete_headless(self, pk):
        # Locked before FAB deletes it, so a save slipping in between cannot turn the DELETE into a database error.
        item = self.datamodel.get(pk, self._base_filters)
        if item is not None:
            lock_for_update(item)
        return super().delete_headless(pk)

    def _merge_update_item(self, model_item, data):
        # The version was compared above; it is the database's to set, never the client's.
        return super()._merge_update_item(model_item, {k: v for k, v in data.items() if k != "version"})
