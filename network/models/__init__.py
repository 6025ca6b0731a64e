from .admin_time import ADMIN_DAY_MAX_MINUTES, AdminTimeEntry, AdminTimeEntryQuerySet
from .organisation import (
    Dealer,
    DealerQuerySet,
    FeeSchedule,
    PhoneField,
    Region,
    ServiceCenter,
    ServiceCenterQuerySet,
    Technician,
    TechnicianQuerySet,
    TravelFee,
)
from .people import (
    CenterEvent,
    CenterTask,
    CenterTaskQuerySet,
    Certificate,
    CertificateQuerySet,
    CoverageGap,
    CoverageGapQuerySet,
    TrainingRecord,
)
from .settlements import (
    Adjustment,
    Dispute,
    DisputeQuerySet,
    Settlement,
    SettlementLine,
    SettlementQuerySet,
    SettlementRate,
)
