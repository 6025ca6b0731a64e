"""Reads other apps use: what customer care knows about one repair call."""

from aftersales.roles import Role, has_role

from .models import Callback, Complaint, Deadline


def call_care(*, call, user) -> dict:
    """For the call's page: its complaints, callbacks and the deadlines of its work orders."""
    return {
        "complaints": list(Complaint.objects.for_user(user).filter(call=call).order_by("-received_at")),
        "callbacks": list(Callback.objects.filter(call=call).order_by("due_at", "pk")),
        "deadlines": list(
            Deadline.objects.filter(work_order__call=call)
            .select_related("work_order")
            .order_by("work_order_id", "due_at")
        ),
        "can_complain": has_role(user, Role.DISPATCHER, Role.MANAGER),
    }
