"""Property-based tests of the served OpenAPI schema against the real application and database: for every
operation, a bounded number of generated requests (as dealer A's key and as a signed-in manager) must never
answer 5xx, and every answer must match the schema (status code, content type, body)."""

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from aftersales.wsgi import application

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]


@pytest.fixture(autouse=True)
def _keep_the_test_connection():
    # As Django's test client does: the WSGI handler must not close the test's database connection.
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


# The schema as the application serves it (the same as the committed openapi.yaml: test_openapi.py);
# serving it needs neither a database nor credentials. The documentation pages are HTML, not operations.
served = schemathesis.openapi.from_wsgi("/api/v1/schema/?format=json", application).exclude(
    path_regex=r"/(docs|redoc|schema)/$"
)


@served.parametrize()
@settings(
    max_examples=3,
    deadline=None,
    derandomize=True,
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.filter_too_much,
    ],
)
@pytest.mark.django_db
def test_the_api_keeps_its_schema_for_a_dealer_key(case, api_world):
    headers = {"Authorization": f"Api-Key {api_world.key_a.raw_key}"}
    if case.path_parameters and "id" in case.path_parameters and case.path_parameters["id"] in (0, None):
        case.path_parameters["id"] = api_world.unit_a.pk
    response = case.call(headers=headers)
    case.validate_response(response, checks=CHECKS)


@served.parametrize()
@settings(
    max_examples=3,
    deadline=None,
    derandomize=True,
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.filter_too_much,
    ],
)
@pytest.mark.django_db
def test_the_api_keeps_its_schema_for_a_manager(case, api_world, client):
    client.force_login(api_world.manager)
    cookies = {"sessionid": client.cookies["sessionid"].value}
    response = case.call(cookies=cookies)
    case.validate_response(response, checks=CHECKS)
