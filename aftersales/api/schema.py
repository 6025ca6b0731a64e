from rest_framework import serializers


class ErrorSerializer(serializers.Serializer):
    """The one shape of every 4xx answer."""

    code = serializers.CharField(help_text="machine-readable error code, e.g. invalid, not_found")
    message = serializers.CharField(help_text="human-readable, Chinese unless Accept-Language asks otherwise")
    errors = serializers.DictField(
        child=serializers.ListField(child=serializers.CharField()),
        help_text="field → messages; nested fields as repairs[0].returned_on",
    )
