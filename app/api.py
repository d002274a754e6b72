"""The REST API: one small ModelRestApi per record under /api/v1/<record>/."""
from flask_appbuilder import ModelRestApi
from flask_appbuilder.models.sqla.interface import SQLAInterface
from app.security.ownership import acting_user_id

from app.models import Activity, AdSlot, Booking, Contact, Contract, Customer, Issue, Payment, Publication
from app.views.base import RecordApiMixin


class CustomerApi(RecordApiMixin, ModelRestApi):
    record = "customer"
    datamodel = SQLAInterface(Customer)
    list_columns = ["id", "name", "short_name", "credit_code", "city", "locality", "stage", "source",
                    "industry", "owner.id", "owner.username"]
    show_columns = list_columns + ["notes", "license_copy", "operating_permit", "created_at", "updated_at"]
    add_columns = edit_columns = ["name", "short_name", "credit_code", "industry", "city", "locality",
                                  "source", "stage", "owner", "notes"]
    search_columns = ["name", "credit_code", "city", "stage", "owner", "locality"]
    order_columns = ["id", "name", "city", "stage", "created_at"]


class ContactApi(RecordApiMixin, ModelRestApi):
    record = "contact"
    datamodel = SQLAInterface(Contact)
    list_columns = ["id", "customer.id", "customer.name", "name", "title", "mobile", "phone", "email",
                    "is_ad_responsible"]
    show_columns = list_columns
    add_columns = edit_columns = ["customer", "name", "title", "mobile", "phone", "email", "is_ad_responsible"]
    search_columns = ["name", "customer", "mobile", "email"]


class ActivityApi(RecordApiMixin, ModelRestApi):
    record = "activity"
    datamodel = SQLAInterface(Activity)
    list_columns = ["id", "customer.id", "customer.name", "contact.id", "user.id", "user.username", "kind",
                    "happened_on", "outcome", "next_follow_up"]
    show_columns = list_columns
    add_columns = edit_columns = ["customer", "contact", "kind", "happened_on", "outcome", "next_follow_up"]
    search_columns = ["customer", "kind", "happened_on", "user", "next_follow_up"]

    def pre_add(self, item):
        if item.user_id is None and item.user is None:
            item.user_id = acting_user_id()
        super().pre_add(item)


class PublicationApi(RecordApiMixin, ModelRestApi):
    record = "publication"
    datamodel = SQLAInterface(Publication)
    list_columns = show_columns = ["id", "name", "medium"]
    add_columns = edit_columns = ["name", "medium"]
    search_columns = ["name", "medium"]


class IssueApi(RecordApiMixin, ModelRestApi):
    record = "issue"
    datamodel = SQLAInterface(Issue)
    list_columns = show_columns = ["id", "publication.id", "publication.name", "number", "copy_deadline",
                                   "publish_date"]
    add_columns = edit_columns = ["publication", "number", "copy_deadline", "publish_date"]
    search_columns = ["publication", "number", "publish_date"]


class AdSlotApi(RecordApiMixin, ModelRestApi):
    record = "adslot"
    datamodel = SQLAInterface(AdSlot)
    list_columns = show_columns = ["id", "publication.id", "name", "medium", "size", "list_price", "active"]
    add_columns = edit_columns = ["publication", "name", "medium", "size", "list_price", "active"]
    search_columns = ["publication", "name", "medium", "active"]


class ContractApi(RecordApiMixin, ModelRestApi):
    record = "contract"
    datamodel = SQLAInterface(Contract)
    list_columns = ["id", "number", "customer.id", "customer.name", "party_name", "publication.id", "kind",
                    "start_date", "end_date", "amount", "discount_pct", "payment_terms", "settle_date",
                    "status"]
    show_columns = list_columns + ["copy_finance", "copy_department", "copy_customer", "notes",
                                   "created_by.id", "created_at", "updated_at"]
    add_columns = edit_columns = ["number", "customer", "party_name", "publication", "kind", "start_date",
                                  "end_date", "amount", "discount_pct", "payment_terms", "settle_date",
                                  "status", "copy_finance", "copy_department", "copy_customer", "notes"]
    search_columns = ["number", "customer", "status", "kind", "end_date", "start_date"]

    def pre_add(self, item):
        if item.created_by_id is None and item.created_by is None:
            item.created_by_id = acting_user_id()
        super().pre_add(item)


class BookingApi(RecordApiMixin, ModelRestApi):
    record = "booking"
    datamodel = SQLAInterface(Booking)
    list_columns = show_columns = ["id", "contract.id", "customer.id", "slot.id", "issue.id", "web_start",
                                   "web_end", "price", "copy_text", "copy_received", "proof_status",
                                   "published"]
    add_columns = edit_columns = ["contract", "slot", "issue", "web_start", "web_end", "price", "copy_text",
                                  "copy_received", "proof_status", "published"]
    search_columns = ["contract", "customer", "slot", "issue", "proof_status", "published"]


class PaymentApi(RecordApiMixin, ModelRestApi):
    record = "payment"
    datamodel = SQLAInterface(Payment)
    list_columns = show_columns = ["id", "contract.id", "customer.id", "amount", "kind", "method",
                                   "collected_by.id", "collected_on", "received_at", "confirmed_by.id",
                                   "confirmed_at", "notes"]
    add_columns = ["contract", "amount", "kind", "method", "collected_on", "notes"]
    edit_columns = ["contract", "amount", "kind", "method", "collected_on", "received_at", "confirmed_at",
                    "notes"]
    search_columns = ["contract", "customer", "collected_on", "method", "kind"]

    def pre_add(self, item):
        if item.collected_by_id is None and item.collected_by is None:
            item.collected_by_id = acting_user_id()
        super().pre_add(item)


ALL_APIS = (CustomerApi, ContactApi, ActivityApi, PublicationApi, IssueApi, AdSlotApi, ContractApi,
            BookingApi, PaymentApi)
