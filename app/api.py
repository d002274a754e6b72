"""The REST API: one small ModelRestApi per record under /api/v1/<record>/."""
from flask_appbuilder import ModelRestApi
from flask_appbuilder.api import expose, protect, safe
from flask_appbuilder.models.sqla.interface import SQLAInterface
from app.api_errors import SafeApiMixin

from app.models import (
    Activity, AdSlot, AuditLog, Booking, Complaint, Contact, Contract, Customer, Issue, Payment, Publication,
    SensitiveWord, WriteOff,
)
from app.security.matrix import READ_ONLY_RECORDS
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
                    "happened_on", "outcome", "next_follow_up", "late"]
    show_columns = list_columns
    add_columns = edit_columns = ["customer", "contact", "kind", "happened_on", "outcome", "next_follow_up"]
    search_columns = ["customer", "kind", "happened_on", "user", "next_follow_up"]


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
    method_permission_name = {**RecordApiMixin.method_permission_name, "transition": "edit"}
    include_route_methods = RecordApiMixin.include_route_methods | {"transition"}
    datamodel = SQLAInterface(Contract)
    list_columns = ["id", "number", "customer.id", "customer.name", "party_name", "publication.id", "kind",
                    "start_date", "end_date", "amount", "discount_pct", "payment_terms", "settle_date",
                    "status"]
    show_columns = list_columns + ["copy_finance", "copy_department", "copy_customer", "renews.id", "notes",
                                   "created_by.id", "created_at", "updated_at"]
    add_columns = edit_columns = ["number", "customer", "party_name", "publication", "kind", "start_date",
                                  "end_date", "amount", "discount_pct", "payment_terms", "settle_date",
                                  "status", "copy_finance", "copy_department", "copy_customer", "renews", "notes"]
    search_columns = ["number", "customer", "status", "kind", "end_date", "start_date"]

    def _init_model_schemas(self) -> None:
        super()._init_model_schemas()
        # Left out, the number is the next one of CONTRACT_NUMBER_PATTERN and the party name the customer's
        # name (app.workflow.prepare.fill_contract).
        for name in ("number", "party_name"):
            self.add_model_schema.fields[name].required = False

    @expose("/<int:pk>/transition", methods=["POST"])
    @protect()
    @safe
    def transition(self, pk):
        """Move the contract along the approval chain: {"to": status, "reason": text}.
        ---
        post:
          description: >-
            Moves the contract to another status of the approval chain (draft, stamped, reviewed,
            approved, sealed, cancelled) if the caller's role may; a send-back or a cancellation needs a reason.
            The contract is locked and the rules checked on it as committed: of two steps sent at the same
            moment, the second is judged after the first.
          parameters:
          - in: path
            schema:
              type: integer
            name: pk
          requestBody:
            required: true
            content:
              application/json:
                schema:
                  type: object
                  required: [to]
                  properties:
                    to:
                      type: string
                      enum: [draft, stamped, reviewed, approved, sealed, cancelled]
                    reason:
                      type: string
                    version:
                      type: integer
                      description: >-
                        The contract's version the step is based on (from GET); if the contract changed since,
                        nothing happens and the answer is 409.
          responses:
            200:
              description: The contract's new status
              content:
                application/json:
                  schema:
                    type: object
                    properties:
                      id:
                        type: integer
                      status:
                        type: string
                      version:
                        type: integer
            400:
              description: Refused, with the rule's code, the field and a translated message
              content:
                application/json:
                  schema:
                    type: object
                    properties:
                      message:
                        type: string
                      code:
                        type: string
                      field:
                        type: string
                        nullable: true
            401:
              $ref: '#/components/responses/401'
            404:
              $ref: '#/components/responses/404'
            409:
              description: The contract changed since the version sent; nothing happened
              content:
                application/json:
                  schema:
                    type: object
                    properties:
                      message:
                        type: string
                      code:
                        type: string
        """
        from app.workflow.http import api_transition

        return api_transition(self, pk)


class BookingApi(RecordApiMixin, ModelRestApi):
    record = "booking"
    datamodel = SQLAInterface(Booking)
    list_columns = show_columns = ["id", "contract.id", "customer.id", "slot.id", "issue.id", "web_start",
                                   "web_end", "price", "copy_text", "copy_received", "proof_status",
                                   "published", "proof_contact.id", "proof_method", "proof_confirmed_at",
                                   "proof_sent_to.id", "proof_sent_at", "has_supporting_documents",
                                   "supporting_document"]
    add_columns = edit_columns = ["contract", "slot", "issue", "web_start", "web_end", "price", "copy_text",
                                  "copy_received", "proof_status", "published", "proof_contact", "proof_method",
                                  "has_supporting_documents"]
    search_columns = ["contract", "customer", "slot", "issue", "proof_status", "published"]


class PaymentApi(RecordApiMixin, ModelRestApi):
    record = "payment"
    method_permission_name = {**RecordApiMixin.method_permission_name, "reverse": "edit"}
    include_route_methods = RecordApiMixin.include_route_methods | {"reverse"}
    datamodel = SQLAInterface(Payment)
    list_columns = show_columns = ["id", "contract.id", "customer.id", "amount", "advance", "kind", "method",
                                   "collected_by.id", "collected_on", "received_at", "confirmed_by.id",
                                   "confirmed_at", "reversed_at", "reversed_by.id", "reversal_reason", "notes"]
    # Who may set which field in which state (Sales: no receipt, no advance): app.domain.rules.editable.
    add_columns = ["contract", "amount", "advance", "kind", "method", "collected_on", "received_at",
                   "confirmed_at", "notes"]
    edit_columns = ["contract", "amount", "advance", "kind", "method", "collected_on", "received_at",
                    "confirmed_at", "notes"]
    search_columns = ["contract", "customer", "collected_on", "method", "kind"]

    @expose("/<int:pk>/reverse", methods=["POST"])
    @protect()
    @safe
    def reverse(self, pk):
        """Reverse a confirmed payment, with a reason: it then pays nothing (Finance, Admin).
        ---
        post:
          description: >-
            A confirmed payment is final; a correction is this reversal, recorded with who, when and why. The
            right payment is then recorded anew.
          parameters:
          - in: path
            schema:
              type: integer
            name: pk
          requestBody:
            required: true
            content:
              application/json:
                schema:
                  type: object
                  required: [reason]
                  properties:
                    reason:
                      type: string
          responses:
            200:
              description: The payment, reversed
              content:
                application/json:
                  schema:
                    type: object
                    properties:
                      id:
                        type: integer
                      reversed_at:
                        type: string
            400:
              description: Refused, with the rule's code, the field and a translated message
              content:
                application/json:
                  schema:
                    type: object
                    properties:
                      message:
                        type: string
                      code:
                        type: string
                      field:
                        type: string
                        nullable: true
            401:
              $ref: '#/components/responses/401'
            404:
              $ref: '#/components/responses/404'
        """
        from app.workflow.http import api_reverse

        return api_reverse(self, pk)


class WriteOffApi(RecordApiMixin, ModelRestApi):
    record = "writeoff"
    datamodel = SQLAInterface(WriteOff)
    list_columns = show_columns = ["id", "contract.id", "customer.id", "amount", "responsible_user.id", "reason",
                                   "recorded_by.id", "created_at"]
    add_columns = edit_columns = ["contract", "amount", "responsible_user", "reason"]
    search_columns = ["contract", "customer", "responsible_user", "created_at"]


class ComplaintApi(RecordApiMixin, ModelRestApi):
    record = "complaint"
    datamodel = SQLAInterface(Complaint)
    list_columns = show_columns = ["id", "customer.id", "customer.name", "contact.id", "received_on", "subject",
                                   "details", "status", "handled_by.id", "resolution", "resolved_on",
                                   "satisfaction"]
    add_columns = edit_columns = ["customer", "contact", "received_on", "subject", "details", "status",
                                  "resolution", "resolved_on", "satisfaction"]
    search_columns = ["customer", "status", "received_on"]


class SensitiveWordApi(RecordApiMixin, ModelRestApi):
    record = "sensitiveword"
    datamodel = SQLAInterface(SensitiveWord)
    list_columns = show_columns = ["id", "word", "notes"]
    add_columns = edit_columns = ["word", "notes"]
    search_columns = ["word"]


class AuditLogApi(SafeApiMixin, ModelRestApi):
    """Read-only (get, get_list) for Admin and Manager."""

    resource_name = "auditlog"
    datamodel = SQLAInterface(AuditLog)
    class_permission_name = READ_ONLY_RECORDS["auditlog"][0]
    base_permissions = ["can_read"]
    method_permission_name = {"get": "read", "get_list": "read"}
    include_route_methods = {"get", "get_list"}
    list_columns = show_columns = ["id", "at", "actor_id", "actor_name", "channel", "action", "record",
                                   "record_id", "summary", "changes"]
    search_columns = ["record", "record_id", "action", "actor_id", "channel", "at"]
    order_columns = ["id", "at"]
    base_order = ("id", "desc")


ALL_APIS = (CustomerApi, ContactApi, ActivityApi, PublicationApi, IssueApi, AdSlotApi, ContractApi,
            BookingApi, PaymentApi, WriteOffApi, ComplaintApi, SensitiveWordApi, AuditLogApi)
