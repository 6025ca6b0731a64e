from rest_framework import serializers


class ErrorSerializer(serializers.Serializer):
    """The one shape of every 4xx answer."""

    code = serializers.CharField(help_text="machine-readable error code, e.g. invalid, not_found")
    message = serializers.CharField(help_text="human-readable, Chinese unless Accept-Language asks otherwise")
    errors = serializers.DictField(
        child=serializers.ListField(child=serializers.CharField()),
        help_text="field → messages; nested fields as repairs[0].returned_on",
    )


# The error answers each kind of endpoint documents (drf-spectacular's responses=…).
E = ErrorSerializer
READ_ERRORS = {401: E, 403: E, 404: E, 429: E}
LIST_ERRORS = {400: E, 401: E, 403: E, 429: E}
WRITE_ERRORS = {400: E, 401: E, 403: E, 409: E, 422: E, 429: E}
ACTION_ERRORS = {400: E, 401: E, 403: E, 404: E, 429: E}
