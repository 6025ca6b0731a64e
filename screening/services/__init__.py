"""Claim screening before settlement (索赔审核).

`month_screen` scores the month's payable work orders against the rules (repeat claims of a unit, parts or
cost far above the norm of the category and fault code, no customer proof / unreachable / denied, a
technician's impossible visits, one phone behind many units or customers, travel distance beyond the
district's) and holds the suspicious ones (ClaimFlag). The settlement leaves held, disputed and rejected
orders out of the payable lines. A manager clears (paid) or rejects (not paid, the centre told why) with a
reason; the centre's supervisor may dispute a rejection, which sends it back to the managers."""

from .decide import flag_decide, flag_dispute, thresholds_update, visit_denial_record
from .screen import ScreeningResult, month_screen, settings_in_force

__all__ = [
    "ScreeningResult",
    "flag_decide",
    "flag_dispute",
    "month_screen",
    "settings_in_force",
    "thresholds_update",
    "visit_denial_record",
]
