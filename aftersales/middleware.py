import contextlib

from django.conf import settings
from django.db import transaction
from django.http import HttpResponseBadRequest, JsonResponse
from django.middleware.locale import LocaleMiddleware
from django.utils import translation
from django.utils.translation import get_supported_language_variant
from django.utils.translation import gettext as _


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


class RejectNulMiddleware:
    """A NUL character (U+0000) is never part of what anyone types, and PostgreSQL cannot store it: a request
    carrying one in a query parameter, a form field or a JSON body answers 400 at once (the API in its error
    shape), before any view or filter reads it. Uploaded files are not looked at."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if self._carries_nul(request):
            return self._refuse(request)
        return self.get_response(request)

    @staticmethod
    def _carries_nul(request) -> bool:
        if "\x00" in request.path:
            return True
        for params in (request.GET,) + ((request.POST,) if request.method == "POST" else ()):
            for key, values in params.lists():
                if "\x00" in key or any("\x00" in value for value in values):
                    return True
        if request.content_type == "application/json":
            body = request.body
            return b"\x00" in body or b"\\u0000" in body.lower()
        return False

    @staticmethod
    def _refuse(request):

        message = _("The request contains a NUL character, which no field accepts.")
        if request.path.startswith("/api/"):
            return JsonResponse({"code": "invalid", "message": message, "errors": {}}, status=400)
        return HttpResponseBadRequest(message, content_type="text/plain; charset=utf-8")
