"""The REST door: POST /api/v1/import/<record>, GET /api/v1/import/job/<id>."""
import io

from sqlalchemy import select

from app.models import AuditLog, Contact, Customer, db

from tests.imports.importkit import code, csv_bytes, uniq, xlsx_bytes


def post(api, username, record, data, name="f.csv", **form):
    form = {k: str(v) for k, v in form.items()}
    return api(username).post(f"/api/v1/import/{record}", data={**form, "file": (io.BytesIO(data), name)},
                              content_type="multipart/form-data")


def find(app, credit):
    with app.app_context():
        row = db.session.scalar(select(Customer).where(Customer.credit_code == credit))
        if row is not None:
            db.session.expunge(row)
        return row


def test_create_update_upsert_and_dry_run(app, api):
    c1, c2 = code(), code()
    n1 = uniq()
    data = csv_bytes([["客户名称", "信用代码", "城市"], [n1, c1, "深圳"]])
    answer = post(api, "manager", "customer", data, mode="create", dry_run="true")
    assert answer.status_code == 200, answer.get_data(as_text=True)
    body = answer.get_json()
    assert {k: body[k] for k in ("rows", "create", "update", "unchanged", "failed", "errors", "job")} == {
        "rows": 1, "create": 1, "update": 0, "unchanged": 0, "failed": 0, "errors": [], "job": None}
    assert find(app, c1) is None
    assert post(api, "manager", "customer", data, mode="create").get_json()["create"] == 1
    assert find(app, c1).city == "深圳"
    again = xlsx_bytes([["单位名称", "统一社会信用代码", "城市"], [n1, c1, "广州"], [uniq(), c2, "珠海"]])
    body = post(api, "manager", "customer", again, "x.xlsx", mode="upsert").get_json()
    assert (body["create"], body["update"], body["unchanged"]) == (1, 1, 0)
    outcome = next(o for o in body["outcomes"] if o["action"] == "update")
    assert outcome["changes"] == {"city": ["深圳", "广州"]}
    with app.app_context():
        entry = db.session.scalar(select(AuditLog).where(AuditLog.record == "customer",
                                                         AuditLog.record_id == outcome["id"],
                                                         AuditLog.action == "update"))
        assert entry.channel == "import"
    body = post(api, "manager", "customer", again, "x.xlsx", mode="update", key="name").get_json()
    assert (body["update"], body["unchanged"], body["failed"]) == (0, 2, 0)


def test_errors_name_row_column_value(app, api):
    data = csv_bytes([["客户名称", "信用代码", "本地/外地"], [uniq(), "123", "本地"], [uniq(), code(), "火星"]])
    body = post(api, "manager", "customer", data).get_json()
    assert body["failed"] == 2 and body["create"] == 0
    first, second = body["errors"]
    assert (first["row"], first["column"], first["field"], first["value"]) == (2, "信用代码", "credit_code", "123")
    assert (second["row"], second["column"], second["value"]) == (3, "本地/外地", "火星")
    assert "本地" in second["message"]  # the choices, in the caller's language


def test_permissions(app, api):
    data = csv_bytes([["客户名称", "信用代码"], [uniq(), code()]])
    assert post(api, "finance", "customer", data).status_code == 403  # Finance only reads customers
    assert post(api, "sales1", "adslot", data).status_code == 403
    anonymous = app.test_client().post("/api/v1/import/customer",
                                       data={"file": (io.BytesIO(data), "a.csv")}, content_type="multipart/form-data")
    assert anonymous.status_code == 401
    assert post(api, "manager", "nothing", data).status_code == 404


def test_sales_cannot_import_into_or_reveal_another_reps_customer(app, api):
    hidden_code, hidden_name = code(), uniq()
    post(api, "manager", "customer", csv_bytes([["客户名称", "信用代码", "负责人"], [hidden_name, hidden_code, "sales2"]]))
    owner = find(app, hidden_code)
    assert owner is not None
    # An upsert keyed by sales2's credit code: not found among sales1's rows, so a create, refused without
    # naming the row; sales2's customer is unchanged.
    data = csv_bytes([["客户名称", "信用代码", "城市"], ["我的新客户" + hidden_code, hidden_code, "拉萨"]])
    body = post(api, "sales1", "customer", data, mode="upsert").get_json()
    assert body["failed"] == 1 and body["update"] == 0
    message = body["errors"][0]["message"]
    assert hidden_name not in message and f"#{owner.id}" not in message  # neither named nor linked
    assert find(app, hidden_code).city == owner.city
    # Update by name of the hidden customer: "no record you may see", as for one that does not exist.
    data = csv_bytes([["客户名称", "城市"], [hidden_name, "拉萨"]])
    hidden = post(api, "sales1", "customer", data, mode="update", key="name").get_json()
    other = uniq()
    missing = post(api, "sales1", "customer", csv_bytes([["客户名称", "城市"], [other, "拉萨"]]),
                   mode="update", key="name").get_json()
    assert hidden["failed"] == missing["failed"] == 1
    assert hidden["errors"][0]["message"].replace(hidden_name, "X") == \
        missing["errors"][0]["message"].replace(other, "X")
    # A contact for the hidden customer: the relation is unknown to sales1.
    contact = csv_bytes([["客户", "姓名", "手机"], [hidden_name, "王五", "13800138000"]])
    body = post(api, "sales1", "contact", contact, mode="create").get_json()
    assert body["failed"] == 1 and hidden_name in body["errors"][0]["value"]
    assert body["errors"][0]["field"] == "customer"
    with app.app_context():
        assert db.session.scalar(select(Contact).where(Contact.customer_id == owner.id)) is None


def test_background_job_progress_and_report(app, api):
    before = app.config.get("IMPORT_BACKGROUND_ROWS")
    app.config["IMPORT_BACKGROUND_ROWS"] = 3  # TASKS_IMMEDIATE (tests/conftest.py): the task runs when enqueued
    try:
        rows = [["客户名称", "信用代码"]] + [[uniq(), code()] for _ in range(5)] + [["坏行", "BAD"]]
        answer = post(api, "manager", "customer", csv_bytes(rows), mode="create", partial="1")
        assert answer.status_code == 202
        job = answer.get_json()["job"]
        status = api("manager").get(f"/api/v1/import/job/{job}").get_json()
        assert status["status"] == "done" and status["rows_done"] == 6
        assert status["report"]["create"] == 5 and status["report"]["failed"] == 1
        assert status["failed_rows"] is True
        assert api("manager").get(f"/api/v1/import/job/{job}/failed").status_code == 200
        assert api("sales1").get(f"/api/v1/import/job/{job}").status_code == 404  # not their job
        assert api("admin").get(f"/api/v1/import/job/{job}").status_code == 200
    finally:
        if before is None:
            del app.config["IMPORT_BACKGROUND_ROWS"]
        else:
            app.config["IMPORT_BACKGROUND_ROWS"] = before


def test_limits(app, api, monkeypatch):
    monkeypatch.setitem(app.config, "IMPORT_MAX_ROWS", 2)
    rows = [["客户名称", "信用代码"]] + [[uniq(), code()] for _ in range(3)]
    answer = post(api, "manager", "customer", csv_bytes(rows))
    assert answer.status_code == 400 and "2" in answer.get_json()["message"]
    monkeypatch.setitem(app.config, "IMPORT_MAX_ROWS", 200_000)
    monkeypatch.setitem(app.config, "IMPORT_MAX_MB", 1)
    big = csv_bytes([["客户名称", "备注"]] + [[uniq(), "x" * 1000] for _ in range(1100)])
    answer = post(api, "manager", "customer", big)
    assert answer.status_code == 400 and "1 MB" in answer.get_json()["message"]
    with app.app_context():
        assert db.session.scalar(select(Customer).where(Customer.name == rows[1][0])) is None


def test_job_progress_is_seen_while_it_runs(app, api):
    """While a job runs (SQLite: its transaction holds the write lock), progress comes from a file."""
    from app.imports.jobs import write_progress
    from app.models import ImportJob

    with app.app_context():
        user = app.appbuilder.sm.find_user(username="manager")
        job = ImportJob(user_id=user.id, record="customer", filename="x.csv", options="{}", status="running",
                        rows_total=9000, rows_done=0)
        db.session.add(job)
        db.session.commit()
        job_id = job.id
        write_progress(job_id, 4500)
    status = api("manager").get(f"/api/v1/import/job/{job_id}").get_json()
    assert (status["status"], status["rows_done"], status["rows_total"]) == ("running", 4500, 9000)
