"""Texts Flask-AppBuilder shows in its pages that its own Chinese catalogue leaves out or words poorly.

They are marked here only so that `make messages` keeps them in our catalogues: Flask-Babel merges our
catalogue over FAB's (app.__init__ sets BABEL_TRANSLATION_DIRECTORIES), so for these message ids our
translation is the one shown. Nothing imports this module.
"""


def N_(text: str) -> str:  # noqa: N802 - the marker babel extracts (Makefile: -k N_)
    return text


FAB_TEXTS = (
    # buttons and dialogs (appbuilder/general/lib.html)
    N_("Add"), N_("Back"), N_("Show"), N_("Edit"), N_("Delete"),
    N_("Are you sure you want to delete this item?"),
    # the search form's operators (flask_appbuilder.models.sqla.filters)
    N_("Starts with"), N_("Not Starts with"), N_("Ends with"), N_("Not Ends with"), N_("In"), N_("Not In"),
    N_("Relation"), N_("No Relation"), N_("Relation as Many"), N_("Contains (insensitive)"),
    # security pages (flask_appbuilder.security.views, .manager, .forms)
    N_("List Groups"), N_("Groups"), N_("Show Group"), N_("Add Group"), N_("Edit Group"),
    N_("List View Menus"), N_("Edit User Information"), N_("User information changed"),
    N_("Either select a role or a group"), N_("User(s) exists in the group, cannot delete"),
    N_("User(s) exists in the role, cannot delete"), N_("Description"), N_("Label"), N_("Users"),
    N_("Roles"), N_("Security"), N_("The user's password for authentication"),
    # the user menu (FAB's navbar_right.html): our catalogue once used this id for the sync profile
    N_("Profile"),
    # errors FAB flashes after a failed save (flask_appbuilder.baseviews)
    N_("Database Error"), N_("Integrity error, probably unique constraint"),
)
