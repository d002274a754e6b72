"""The cast, the stage and the hostile values of the stateful property test (tests/test_state_machine.py)."""
from datetime import date, datetime, timedelta
from decimal import Decimal

from sqlalchemy import func, select

from app.models import SensitiveWord, db
from tests import factories as f
from tests.conftest import DEMO_PASSWORD

TODAY = date.today()
# Its own two Sales reps, so the rows made here do not crowd the lists other tests read for sales1 and sales2.
REPS = ("sm_sales1", "sm_sales2")
ROLE_OF = {"admin": "Admin", "manager": "Manager", "finance": "Finance", "service": "Service",
           REPS[0]: "Sales", REPS[1]: "Sales"}
ACTORS = tuple(ROLE_OF)
SENSITIVE = "最佳"
TABLES = ("customer", "contact", "activity", "contract", "booking", "payment", "write_off", "complaint",
          "audit_log", "contract_transition")


def ensure_cast(app) -> dict[str, int]:
    """The reps exist (idempotent), the sensitive word is on the list; returns username -> user id."""
    with app.app_context():
        sm = app.appbuilder.sm
        for username in REPS:
            if sm.find_user(username=username) is None:
                assert sm.add_user(username, "状态机", username[-1], f"{username}@example.com", sm.find_role("Sales"),
                                   DEMO_PASSWORD), username
        if db.session.scalar(select(func.count()).select_from(SensitiveWord).where(SensitiveWord.word == SENSITIVE)) == 0:
            db.session.add(SensitiveWord(word=SENSITIVE))
            db.session.commit()
        ids = {name: sm.find_user(username=name).id for name in ACTORS}
        db.session.remove()
        return ids


def high_water(app) -> dict[str, int]:
    """{table: highest id}: the invariants look at rows made after this point."""
    from sqlalchemy import text

    with app.app_context():
        marks = {t: db.session.scalar(text(f"SELECT COALESCE(MAX(id), 0) FROM {t}")) for t in TABLES}
        db.session.remove()
        return marks


def stage(app) -> dict:
    """Per example: a print publication with two issues, two active slots and an inactive one; a web publication
    with a web slot. Written below the guard (the rate card is not what the machine tests)."""
    with app.app_context():
        pub = f.publication(name=f"状态机刊物{f.next_id()}")
        web = f.publication(name=f"状态机网站{f.next_id()}", medium="web")
        issues = [f.issue(pub, publish_date=TODAY + timedelta(days=days)) for days in (20, 50)]
        slots = [f.slot(pub), f.slot(pub)]
        inactive = f.slot(pub, active=False)
        web_slot = f.slot(web)
        web_slot.medium = "web"
        db.session.commit()
        out = {"publication": pub.id, "web_publication": web.id, "issues": [i.id for i in issues],
               "slots": [s.id for s in slots], "inactive_slot": inactive.id, "web_slot": web_slot.id}
        db.session.remove()
        return out


def file_documents(app, customer_id: int) -> None:
    """The licence copy and operating permit on file (uploads are a door of their own, tested elsewhere)."""
    from app.models import Customer

    with app.app_context():
        customer = db.session.get(Customer, customer_id)
        customer.license_copy, customer.operating_permit = "licence.pdf", "permit.pdf"
        db.session.commit()
        db.session.remove()


def moment(days: int = 0, minutes: int = 0) -> str:
    return (datetime.now() + timedelta(days=days, minutes=minutes)).strftime("%Y-%m-%d %H:%M:%S")


def day(days: int) -> str:
    return (TODAY + timedelta(days=days)).isoformat()


# --- values, valid and hostile ---------------------------------------------------------------------------------

COPY_TEXTS = ["春季新品广告", "本店最佳选择", "本店最\u200b佳选择", "最 佳", "最\u2060佳", "最.佳", "ＡＢＣ全角广告",
              "  两边空白  ", "\u200b", "=HYPERLINK(\"http://x\")", "<b>粗体</b>", None]
PERSON_NAMES = ["张伟", "销售本人代签", "李\u200b娜", "Ｗａｎｇ　Ｌｅｉ", " ", "", "王\u202e芳", "赵" * 70, "刘洋"]
REASONS = ["客户要求修改金额", ".", "\u200b", "", "  ", "员工失误", None, 5]
BAD_AMOUNTS = ["36,000", "1.005", "-100", "１２３", "1e3", "NaN", "abc", "", "99999999999", True, None]
BAD_DATES = ["0001-01-01", "9999-12-31", "2099-12-31", "1999-01-01", "2026-02-30", "tomorrow", "", 20260101]
BAD_MOMENTS = ["2099-01-01 00:00:00", "1999-01-01 00:00:00", "9999-12-31 23:59:59", "yesterday", ""]


def money(value) -> str:
    return str(Decimal(value).quantize(Decimal("0.01")))
