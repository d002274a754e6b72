"""SQLAlchemy 2 typed models. Importing this package registers every table."""
from .base import db  # noqa: F401
from . import integrity  # noqa: F401
from .customers import Activity, Contact, Customer  # noqa: F401
from .media import AdSlot, Issue, Publication, SlotPriceChange  # noqa: F401
from .sales import Booking, Contract, Payment  # noqa: F401
from .workflow import (  # noqa: F401
    AuditLog, Complaint, ContractTransition, CustomerStageChange, SensitiveWord, WriteOff,
)
from .sync import SyncBase, SyncLink, SyncProblem, SyncRun  # noqa: F401
from .security import LoginThrottle, SessionStamp  # noqa: F401
from .imports import ImportJob, ImportMapping  # noqa: F401
from .preferences import NumberCounter, SavedView  # noqa: F401

ALL_MODELS = (
    Customer, Contact, Activity, Publication, Issue, AdSlot, SlotPriceChange,
    Contract, Booking, Payment, WriteOff, Complaint, SensitiveWord,
)

# Record name (the matrix key, the REST resource) -> its model.
RECORD_MODELS = {
    "customer": Customer, "contact": Contact, "activity": Activity, "publication": Publication, "issue": Issue,
    "adslot": AdSlot, "contract": Contract, "booking": Booking, "payment": Payment, "writeoff": WriteOff,
    "complaint": Complaint, "sensitiveword": SensitiveWord,
}
