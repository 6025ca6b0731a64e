"""The managers' monthly budget report: on the 2nd, last month's figures are computed again (its statements
are confirmed by then) and its PDF is e-mailed to every active user with the manager role and an address."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import EmailMessage
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from aftersales.months import previous_month
from aftersales.roles import Role

from .budget_services import budget_actuals_refresh
from .pdf import REPORT_LANGUAGE, budget_pdf


def manager_addresses() -> list[str]:
    users = get_user_model().objects.filter(is_active=True, groups__name=Role.MANAGER).exclude(email="")
    return sorted(set(users.values_list("email", flat=True)))


def budget_report_email(*, month=None, now=None) -> int:
    """Sends last month's report (or `month`'s); returns how many managers it went to (0: nobody to send it
    to)."""
    now = now or timezone.now()
    month = (month or previous_month(now)).replace(day=1)
    addresses = manager_addresses()
    if not addresses:
        return 0
    budget_actuals_refresh(month=month, now=now)
    content = budget_pdf(month=month, now=now)
    with translation.override(REPORT_LANGUAGE):
        subject = _("Service budget against actual cost, %(month)s") % {"month": f"{month:%Y-%m}"}
        body = _(
            "Attached: the service budget against actual cost of %(month)s (settled fees from confirmed "
            "statements). The page with the drill-down: /insight/budget/?month=%(month)s"
        ) % {"month": f"{month:%Y-%m}"}
    message = EmailMessage(subject, body, settings.DEFAULT_FROM_EMAIL, to=addresses)
    message.attach(f"budget-{month:%Y-%m}.pdf", content, "application/pdf")
    message.send()
    return len(addresses)
