import contextlib

from django.conf import settings
from django.middleware.locale import LocaleMiddleware
from django.utils import translation
from django.utils.translation import get_supported_language_variant


class ChineseFirstLocaleMiddleware(LocaleMiddleware):
    """Pages are Chinese unless the user switched (the language cookie), whatever the browser's
    Accept-Language says: a hotline PC with an English system still serves Chinese-speaking staff.
    The API follows Accept-Language, as integrators expect."""

    def process_request(self, request):
        if request.path.startswith("/api/"):
            return super().process_request(request)
        language = settings.LANGUAGE_CODE
        chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
        if chosen:
            with contextlib.suppress(LookupError):
                language = get_supported_language_variant(chosen)
        translation.activate(language)
        request.LANGUAGE_CODE = translation.get_language()
