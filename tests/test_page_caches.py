"""What list pages keep between requests (rendered menu HTML, translated search texts) stays right per user,
permission and language; the permissions loaded with the user follow a role change on the next request."""
from contextlib import contextmanager

from flask_babel import force_locale

from app.domain.enums import ContractStatus
from app.labels import ENUM_LABELS
from app.views.base import enum_formatter


@contextmanager
def without_permission(app, role_name: str, permission: str, view: str):
    """The role loses one permission for the block (then gets it back)."""
    sm = app.appbuilder.sm
    with app.app_context():
        sm.del_permission_role(sm.find_role(role_name), sm.find_permission_view_menu(permission, view))
    try:
        yield
    finally:
        with app.app_context():
            sm.add_permission_role(sm.find_role(role_name), sm.find_permission_view_menu(permission, view))


def page(client, url: str = "/customerview/list/") -> str:
    response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    return response.get_data(as_text=True)


def test_each_user_gets_the_menu_of_their_own_permissions(login):
    admin, sales = login("admin"), login("sales1")
    for _round in range(2):  # the second round is served from the menu cache
        admin_page, sales_page = page(admin), page(sales)
        assert 'href="/auditlogview/list/"' in admin_page and 'href="/users/list/"' in admin_page
        assert 'href="/auditlogview/list/"' not in sales_page and 'href="/users/list/"' not in sales_page
        assert 'href="/contactview/list/"' in sales_page


def test_a_menu_permission_change_shows_on_the_next_page(app, login):
    sales = login("sales1")
    assert 'href="/contactview/list/"' in page(sales)
    with without_permission(app, "Sales", "menu_access", "Contacts"):
        assert 'href="/contactview/list/"' not in page(sales)
        assert 'href="/contactview/list/"' in page(login("admin"))
    assert 'href="/contactview/list/"' in page(sales)


def test_a_removed_permission_refuses_the_next_request(app, login):
    sales = login("sales1")
    assert sales.get("/contactview/list/").status_code == 200
    with without_permission(app, "Sales", "can_read", "Contact"):
        assert sales.get("/contactview/list/").status_code in (302, 403)
    assert sales.get("/contactview/list/").status_code == 200


def test_menu_and_search_texts_follow_the_language(login):
    client = login("admin")
    english_label = '"customer_name": "Customer name"'
    for _round in range(2):
        chinese, english = page(client, "/customerview/list/?_l_=zh"), page(client, "/customerview/list/?_l_=en")
        assert english_label in english and english_label not in chinese
        assert '"customer_name": "' in chinese
        assert "Customer relations" in english and "Customer relations" not in chinese


def test_enum_labels_translated_once_per_page_read_the_same(app):
    formatter = enum_formatter(ContractStatus)
    for language in ("zh", "en"):
        with app.test_request_context(), force_locale(language):
            on_page = formatter.for_page()
            for value in [*ENUM_LABELS[ContractStatus], None, "unknown"]:
                assert on_page(value) == formatter(value), (language, value)
