"""The product catalogue (master data), the customers with the units they own, and the repair-call
register: calls (叫修), work orders (派工单) with their event history, carry-in (客户商品进出登记簿),
loaner units (周转机), and quotes with the customer's consent for paid service.
"""

from .acceptance import (
    AcceptanceDocument,
    InstallationAcceptance,
    InstallationAcceptanceDocument,
    InstallationAcceptanceQuerySet,
    _acceptance_signature_path,
)
from .calls import (
    DispatchOverride,
    RepairCall,
    RepairCallQuerySet,
    WorkOrder,
    WorkOrderEvent,
    WorkOrderQuerySet,
)
from .catalogue import (
    _INTERNAL,
    Component,
    Customer,
    CustomerAddress,
    CustomerPhone,
    CustomerQuerySet,
    FaultSymptom,
    LabourRate,
    LocalNameMixin,
    ProductCategory,
    ProductModel,
    ProductUnit,
    ProductUnitQuerySet,
    SerialNumberField,
    _orders_of_staff,
)
from .closing import WorkOrderClosing, WorkOrderClosingQuerySet, WorkOrderPhoto, _photo_path, _signature_path
from .counter import (
    CarryIn,
    ConfirmationCodeSend,
    Consent,
    FaultCode,
    LoanerLoan,
    LoanerUnit,
    Quote,
    QuoteLine,
    _consent_signature_path,
)
from .field import (
    DecisionChange,
    NotHomeVisit,
    Receivable,
    ReceivableQuerySet,
    Redispatch,
    Reschedule,
    SiteFinding,
    SiteFindingPhoto,
    _finding_photo_path,
    _not_home_photo_path,
)
from .sold import UnitsSold, UnitsSoldMark
from .timesheet import TechnicianDayTime, TechnicianTimeDay
from .web import RepairCallPhoto, _call_photo_path
