"""Demo master data of the service network: regions, service centres, technicians, dealers, logins."""

from .money import (
    ADMIN_DAYS,
    ADMIN_WORK,
    ADMIN_WORK_WEIGHTS,
    BANKS,
    BASE_FEES,
    CATEGORY_FACTOR,
    LEVEL_EXTRA,
    TRAVEL_BANDS,
    _bank,
    _settlement_follow_up,
    _settlement_inputs,
    seed_admin_time,
    seed_fees,
    seed_settlements,
)
from .organisation import (
    AGREED_CATEGORIES,
    CENTERS,
    DEALERS,
    DEMO_PASSWORD,
    HOURS,
    PHONE_CENTERS,
    REGIONS,
    NetworkDemo,
    _user,
    demo_logins,
    print_logins,
    seed_network,
)
