"""The models and the migrations agree: autogenerate against the migrated test database finds nothing."""
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_appbuilder import Model


# Objects the search migrations create for one backend only, outside SQLAlchemy's metadata:
# SQLite's FTS5 table for customer-name search (and its shadow tables customer_name_fts_*), and
# PostgreSQL's GIN bigram index, declared in the model but not created on SQLite (FTS5 serves it there).
BACKEND_ONLY = {"sqlite": ("customer_name_fts", "ix_customer_name_grams"), "postgresql": ()}


def _interesting(diff, dialect: str = "") -> bool:
    # FAB's own security tables (ab_*) are not ours to keep in step.
    ops = diff if isinstance(diff, list) else [diff]
    for op in ops:
        for part in op[1:]:
            name = getattr(part, "name", None) or getattr(getattr(part, "table", None), "name", None)
            if isinstance(name, str) and name.startswith("ab_"):
                return False
            if isinstance(name, str) and name.startswith(BACKEND_ONLY.get(dialect, ())):
                return False
            if isinstance(part, str) and part.startswith("ab_"):
                return False
    return True


def test_models_match_migrations(app):
    from app.models import db

    with app.app_context():
        with db.engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={"compare_type": True})
            dialect = connection.dialect.name
            diffs = [d for d in compare_metadata(context, Model.metadata) if _interesting(d, dialect)]
    assert diffs == []


def test_head_is_workflow_or_later(app):
    from app.models import db

    with app.app_context():
        with db.engine.connect() as connection:
            assert MigrationContext.configure(connection).get_current_revision() in {"0002_workflow", "0003_sync", "0004_search",
                                                                                  "ui_contract_totals", "ui_name_keys"}
