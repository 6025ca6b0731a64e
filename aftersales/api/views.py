from rest_framework import exceptions
from rest_framework.decorators import (
    api_view,
    authentication_classes,
    permission_classes,
    schema,
    throttle_classes,
)


@api_view(["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"])
@authentication_classes([])
@permission_classes([])
@throttle_classes([])
@schema(None)
def api_not_found(request, *args, **kwargs):
    """Any path under /api/v1/ that names no endpoint: 404 in the one error shape."""
    raise exceptions.NotFound()
