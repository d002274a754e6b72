"""A BARE Flask-AppBuilder app over Adsheet's tables, the baseline of `make bench`.

Plain ModelViews with FAB's defaults: customers, and contracts whose list shows the customer column; FAB's
own index page and security manager (the same ab_* tables, so the same users sign in). Nothing tuned.

    DATABASE_URL=... gunicorn --workers 1 bench.bare_app:app
"""
import os
import sys

from flask import Flask
from flask_appbuilder import AppBuilder, Model, ModelView
from flask_appbuilder.models.sqla.interface import SQLAInterface
from flask_appbuilder.utils.legacy import get_sqla_class
from sqlalchemy import Column, Date, ForeignKey, Integer, Numeric, String
from sqlalchemy.orm import relationship

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from bench import sqlcount  # noqa: E402

db = get_sqla_class()()


class Customer(Model):
    __tablename__ = "customer"
    id = Column(Integer, primary_key=True)
    name = Column(String(200), nullable=False)
    short_name = Column(String(80))
    credit_code = Column(String(18))
    city = Column(String(60))
    locality = Column(String(10))
    stage = Column(String(10))

    def __repr__(self):
        return self.name


class Contract(Model):
    __tablename__ = "contract"
    id = Column(Integer, primary_key=True)
    number = Column(String(40), nullable=False)
    customer_id = Column(Integer, ForeignKey("customer.id"), nullable=False)
    customer = relationship(Customer)
    party_name = Column(String(200), nullable=False)
    kind = Column(String(20))
    status = Column(String(20))
    start_date = Column(Date)
    end_date = Column(Date)
    amount = Column(Numeric(12, 2))

    def __repr__(self):
        return self.number


class CustomerView(ModelView):
    datamodel = SQLAInterface(Customer)
    list_columns = ["name", "short_name", "city", "locality", "stage", "credit_code"]
    base_order = ("name", "asc")


class ContractView(ModelView):
    datamodel = SQLAInterface(Contract)
    list_columns = ["number", "customer", "kind", "status", "start_date", "end_date", "amount"]
    search_columns = ["number", "party_name", "status", "kind", "end_date"]
    edit_columns = ["number", "customer", "party_name", "kind", "start_date", "end_date", "amount"]
    base_order = ("end_date", "desc")


def create_app() -> Flask:
    flask_app = Flask(__name__)
    flask_app.config.update(
        SQLALCHEMY_DATABASE_URI=os.environ["DATABASE_URL"], SECRET_KEY=os.environ.get("SECRET_KEY", "bench-bare"),
        SQLALCHEMY_TRACK_MODIFICATIONS=False, FAB_UPDATE_PERMS=True, CSRF_ENABLED=True,
    )
    db.init_app(flask_app)
    with flask_app.app_context():
        appbuilder = AppBuilder()
        appbuilder.init_app(flask_app, db.session)
        appbuilder.add_view(CustomerView, "Customers", category="Bare")
        appbuilder.add_view(ContractView, "Contracts", category="Bare")
        sqlcount.install(flask_app, db.engine)
    return flask_app


app = create_app()
