"""`Authorization: Api-Key <key>` for dealers' systems. Session authentication stays for internal users."""

from django.utils.translation import gettext_lazy as _
from rest_framework import authentication, exceptions

from aftersales.roles import Role

from .services import api_key_authenticate

KEYWORD = "Api-Key"


class ApiKeyAuthentication(authentication.BaseAuthentication):
    keyword = KEYWORD

    def authenticate(self, request):
        header = authentication.get_authorization_header(request).split()
        if not header or header[0].lower() != self.keyword.lower().encode():
            return None
        if len(header) != 2:
            raise exceptions.AuthenticationFailed(_("Send the API key as: Authorization: Api-Key <key>."))
        try:
            raw_key = header[1].decode()
        except UnicodeError as exc:
            raise exceptions.AuthenticationFailed(_("The API key is not valid.")) from exc
        api_key = api_key_authenticate(raw_key=raw_key)
        if api_key is None:
            raise exceptions.AuthenticationFailed(_("The API key is not valid, has expired or was revoked."))
        # The key acts as a dealer, for its own dealer only, whatever else its principal user was given.
        principal = api_key.principal
        principal._role_names = {Role.DEALER.value}
        principal._dealer_ids = [api_key.dealer_id]
        return (principal, api_key)

    def authenticate_header(self, request):
        return self.keyword
