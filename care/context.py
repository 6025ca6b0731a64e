from .models import Notification


def notifications(request):
    """The bell's unread count on every page (one indexed COUNT), only for signed-in users."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}

    return {"unread_count": Notification.objects.filter(user=user, read_at__isnull=True).count()}
