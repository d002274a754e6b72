"""Give ticked customers to another Sales owner (a bulk action of the customer list; Manager and Admin: the
capability "assign_owner", app.security.matrix.CAPABILITIES).

The list's action leads to a page naming the customers (read through the list's row filter, app.views.bulk) and
asking for the new owner; its POST (CSRF token) changes each customer through the one write guard
(app.workflow.guards), all or none: if the guard refuses one, nothing changes and the message names that customer.
"""
from flask import abort, flash, redirect, request, url_for
from flask_appbuilder import expose
from flask_appbuilder.actions import action
from flask_appbuilder.security.decorators import has_access
from flask_babel import gettext, lazy_gettext as _l


def sales_users():
    """Active users holding the Sales role, by name (the owners a customer may be given to)."""
    from flask import current_app
    from sqlalchemy import select

    from app.models import db

    sm = current_app.appbuilder.sm
    user, role = sm.user_model, sm.role_model
    return list(db.session.scalars(select(user).join(user.roles).where(role.name == "Sales", user.active.is_(True))
                                   .order_by(user.first_name, user.last_name, user.id)))


class AssignOwnerMixin:
    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        cls.include_route_methods = set(cls.include_route_methods or ()) | {"assign_owner_form"}
        cls.method_permission_name = {"assign_owner": "assign_owner", "assign_owner_form": "assign_owner",
                                      **(cls.method_permission_name or {})}

    @action("assign_owner", _l("Assign owner"), icon="fa-user", single=False)
    def assign_owner(self, items):
        return redirect(url_for(f"{self.endpoint}.assign_owner_form", ids=",".join(str(i.id) for i in items)))

    @expose("/assign_owner/", methods=["GET", "POST"])
    @has_access
    def assign_owner_form(self):
        from app.domain.rules.errors import RuleViolation
        from app.models import db
        from app.security.ownership import RefusedWrite
        from app.workflow.guards import check_record_write
        from app.workflow.http import Refusal

        from .pages import person

        items = self.selected_items((request.values.get("ids") or "").split(","))
        if items is None:
            flash(gettext("Nothing was done: some of the selected rows are not yours to change or no longer "
                          "exist (at most %(count)s rows at a time). Reload the list and select again.",
                          count=1000), "danger")
            return redirect(url_for(f"{self.endpoint}.list"))
        owners = sales_users()
        if request.method == "POST":
            chosen = next((u for u in owners if str(u.id) == request.form.get("owner")), None)
            if chosen is None:
                flash(gettext("Choose the new owner."), "danger")
            else:
                for item in items:
                    item.owner = chosen
                    try:
                        with db.session.no_autoflush:
                            check_record_write(self.record, item)
                    except (RefusedWrite, RuleViolation) as refused:  # a guard's refusal: nothing changes
                        db.session.rollback()
                        flash(gettext("Nothing was changed: %(customer)s: %(reason)s", customer=item.name,
                                      reason=Refusal.of(refused).message), "danger")
                        return redirect(request.url)
                db.session.commit()
                flash(gettext("%(count)s customers now belong to %(owner)s.", count=len(items),
                              owner=person(chosen)), "success")
                return redirect(url_for(f"{self.endpoint}.list"))
        return self.render_template("adsheet/assign_owner.html", items=items, owners=owners, person=person,
                                    ids=",".join(str(i.id) for i in items), title=gettext("Assign owner"))
