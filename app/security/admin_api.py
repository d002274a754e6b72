"""FAB's user-management REST API (/api/v1/security/users, roles, groups, permissions, resources,
permissions-resources) answering malformed input with 4xx and a message instead of 500.

Fuzzing found 14 of its operations failing with 500: a POST or PUT without a JSON body (FAB reads
`request.json`, which raises 415 inside its catch-all), `PUT /users/<id>` for a missing user (FAB edits None),
ids beyond 64 bits (the driver overflows), a duplicate name (the database error escaped, or its text was sent
back as the message), and FAB accepted a role named "". Each API class is FAB's own, with
`AdminApiErrorsMixin` in front (registered by app.security.manager.AdsheetSecurityManager):

- errors are answered by app.api_errors.SafeApiMixin (database refusals 422 naming the field, 415, 404, 400);
- the datamodel refuses database errors in words, and a missing row or an impossible id is a 404;
- names (of roles, resources, permissions) must not be blank;
- the `_info` routes (form metadata for FAB's React admin, not used here) are not exposed.
Nothing else of FAB's behaviour changes (routes, permissions, schemas).
"""
from flask_appbuilder.security.sqla.apis import (
    GroupApi, PermissionApi, PermissionViewMenuApi, RoleApi, ViewMenuApi,
)
from flask_babel import gettext
from marshmallow import ValidationError

from app.api_errors import MissingRow, SafeApiMixin
from app.database_errors import SafeSQLAInterface


class AdminSQLAInterface(SafeSQLAInterface):
    """A row the handler needs and cannot have is a 404 (FAB's user PUT went on with None)."""

    def get(self, id, filters=None, select_columns=None, outer_default_load=False):
        item = super().get(id, filters, select_columns, outer_default_load)  # None for an impossible id too
        if item is None:
            raise MissingRow()
        return item


def not_blank(value) -> None:
    if value is None or not str(value).strip():
        raise ValidationError(gettext("This field must not be empty."))


class AdminApiErrorsMixin(SafeApiMixin):
    # FAB's `_info` (form metadata for its React admin, unused here): its `/<pk>` neighbours also matched
    # "_info" (a PUT there answered 415 or 404 instead of 405), and its related-field paging failed with 500.
    exclude_route_methods = {"info"}

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        datamodel = cls.datamodel
        if type(datamodel) is not AdminSQLAInterface:
            cls.datamodel = AdminSQLAInterface(datamodel.obj)
        if "name" in (cls.add_columns or ()):
            cls.validators_columns = {**(cls.validators_columns or {}), "name": not_blank}


def with_error_answers(api_cls):
    """FAB's API class with the mixin in front; same name, so endpoints and permissions stay FAB's."""
    return type(api_cls.__name__, (AdminApiErrorsMixin, api_cls), {"__module__": __name__})


SafeRoleApi = with_error_answers(RoleApi)
SafeGroupApi = with_error_answers(GroupApi)
SafePermissionApi = with_error_answers(PermissionApi)
SafeViewMenuApi = with_error_answers(ViewMenuApi)
SafePermissionViewMenuApi = with_error_answers(PermissionViewMenuApi)
