import contextlib

from django.conf import settings
from django.db import transaction
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


class AtomicWritesMiddleware:
    """Every request that may write (POST, PUT, PATCH, DELETE) runs its view in one transaction: a view
    that fails half-way — an exception, a 500, a 404 after a first write — leaves nothing saved. The API's
    exception handler rolls back its 4xx answers too (see aftersales.api.exceptions). Reads run without one,
    as before. Like Django's ATOMIC_REQUESTS, for writes only; a view marked with
    django.db.transaction.non_atomic_requests is left alone."""

    SAFE = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        if request.method in self.SAFE or "default" in getattr(view_func, "_non_atomic_requests", ()):
            return None
        request.atomic_writes = True
        with transaction.atomic():
            return view_func(request, *view_args, **view_kwargs)
