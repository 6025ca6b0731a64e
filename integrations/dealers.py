from django.utils.translation import gettext as _
from rest_framework import exceptions, serializers

from aftersales.roles import dealer_ids
from network.models import Dealer

from .models import ApiKey


def request_dealer(request, code: str | None = None) -> Dealer:
    """The dealer a request acts for: an API key's own dealer; for a signed-in dealer user, the one dealer
    they belong to, or the one named by `code` among theirs."""
    if isinstance(request.auth, ApiKey):
        return request.auth.dealer
    dealers = list(Dealer.objects.filter(pk__in=dealer_ids(request.user), active=True).order_by("code"))
    if code:
        for dealer in dealers:
            if dealer.code == code:
                return dealer
        raise serializers.ValidationError({"dealer": [_("You do not act for this dealer.")]})
    if len(dealers) == 1:
        return dealers[0]
    if not dealers:
        raise exceptions.PermissionDenied(_("You do not act for any active dealer."))
    raise serializers.ValidationError({"dealer": [_("You act for several dealers: name one by its code.")]})
