"""The screening pages' reads: each centre's flags of a month with totals, and each rule's explanation in
the reader's language with its evidence."""

from __future__ import annotations

import datetime as dt

from django.db.models import Count, Q, Sum
from django.utils.translation import gettext as _

from aftersales.validators import format_phone

from .choices import OPEN, FlagStatus, Rule
from .models import ClaimFlag


def centre_totals(*, month: dt.date, flags=None) -> list[dict]:
    """Per centre with flags in the month: flags, still to decide, amount held, rejected. One query."""
    flags = ClaimFlag.objects.all() if flags is None else flags
    return list(
        flags.filter(month=month)
        .exclude(status=FlagStatus.WITHDRAWN)
        .values("center_id", "center__code", "center__name")
        .annotate(
            flags=Count("pk"),
            open=Count("pk", filter=Q(status__in=OPEN)),
            disputed=Count("pk", filter=Q(status=FlagStatus.DISPUTED)),
            held_amount=Sum("amount", filter=Q(status__in=OPEN), default=0),
            rejected=Count("pk", filter=Q(status=FlagStatus.REJECTED)),
            rejected_amount=Sum("amount", filter=Q(status=FlagStatus.REJECTED), default=0),
            cleared=Count("pk", filter=Q(status=FlagStatus.CLEARED)),
        )
        .order_by("-held_amount", "center__code")
    )


def explain(rule: str, e: dict) -> str:
    """One rule's hit as a sentence with its evidence."""
    if rule == Rule.REPEAT_30:
        return (
            _("The same unit was claimed on order %(other)s, closed %(other_closed)s: within %(days)s days.")
            % e
        )
    if rule == Rule.REPEAT_YEAR:
        return (
            _(
                "This is the unit's claim no. %(claims)s in 365 days (more than %(allowed)s); earlier: %(others)s."
            )
            % e
        )
    if rule == Rule.PARTS:
        return (
            _(
                "%(value)s parts used; orders with fault %(fault)s use %(median)s (median of %(peers)s orders,"
                " MAD %(mad)s): robust z-score %(z)s, above %(limit)s."
            )
            % e
        )
    if rule == Rule.COST:
        return (
            _(
                "Parts cost ¥%(value)s; orders with fault %(fault)s cost ¥%(median)s (median of %(peers)s"
                " orders, MAD ¥%(mad)s): robust z-score %(z)s, above %(limit)s."
            )
            % e
        )
    if rule == Rule.NO_PROOF:
        text = (
            _("Closed without the customer's signature or confirmation code; the reason given: %(reason)s.")
            % e
        )
        if e.get("cleared"):
            text += " " + _("The exception was cleared on %(cleared)s.") % e
        return text
    if rule == Rule.UNREACHABLE:
        if e.get("wrong_number"):
            return _("The callback found a wrong number (%(attempts)s attempts).") % e
        return _("The callback could not reach the customer after %(attempts)s attempts.") % e
    if rule == Rule.DENIED:
        return _("The customer denied the visit (recorded %(recorded)s): “%(words)s”.") % e
    if rule == Rule.OVERLAP:
        return (
            _(
                "The technician was on this visit (%(this)s) and on order %(other)s (%(other_at)s) at the same time."
            )
            % e
        )
    if rule == Rule.TOO_FAR:
        return (
            _(
                "Between order %(other)s (%(other_at)s) and this visit (%(this)s) there were %(minutes)s minutes"
                " for at least %(km)s km."
            )
            % e
        )
    if rule == Rule.PHONE:
        return _(
            "The caller's phone %(shown)s is behind %(units)s units and %(customers)s customers in a year"
            " (at most %(units_max)s units, %(customers_max)s customers)."
        ) % {**e, "shown": format_phone(e.get("phone", ""))}
    if rule == Rule.TRAVEL_KM:
        return (
            _(
                "%(claimed)s km claimed; %(district)s is %(km)s km from the centre (at most %(allowed)s km accepted)."
            )
            % e
        )
    return rule


def flag_rows(flags) -> list[ClaimFlag]:
    """The flags with their explanations attached (`flag.explained`: [(label, sentence)])."""
    rows = list(flags)
    for flag in rows:
        flag.explained = []
        for hit in flag.hits:
            rule = hit.get("rule", "")
            label = Rule(rule).label if rule in Rule.values else rule
            try:
                sentence = explain(rule, hit.get("evidence") or {})
            except (KeyError, TypeError, ValueError):
                sentence = ""
            flag.explained.append((label, sentence))
    return rows
