"""The API key look-up is a prepared statement of the database session (integrations/services.py): one query
per request whether the session has it yet or not, prepared again on a new connection, and never stuck on a
statement a failed first use left behind."""

import pytest
from django.db import connection, connections
from django.test.utils import CaptureQueriesContext

from integrations.services import api_key_revoke

pytestmark = pytest.mark.django_db
URL = "/api/v1/work-orders/"


def _get(client, world):
    return client.get(URL, HTTP_AUTHORIZATION=f"Api-Key {world.key_a.raw_key}")


def _key_queries(captured):
    return [q["sql"] for q in captured.captured_queries if "api_key_lookup" in q["sql"]]


def test_one_query_per_request_before_and_after_the_session_has_it(client, api_world):
    # As on a new connection: the first request prepares the statement.
    vars(connections["default"]).pop("_api_key_statement", None)
    with CaptureQueriesContext(connection) as first:
        assert _get(client, api_world).status_code == 200
    with CaptureQueriesContext(connection) as second:
        assert _get(client, api_world).status_code == 200
    (prepare,) = _key_queries(first)  # one round trip each time
    (execute,) = _key_queries(second)
    assert prepare.startswith("PREPARE ") and "; EXECUTE " in prepare
    assert execute.startswith("EXECUTE ")


def test_a_statement_left_by_a_failed_first_use_is_not_in_the_way(client, api_world):
    assert _get(client, api_world).status_code == 200
    # As after a first use that timed out: the session holds the statement, the connection does not know.
    vars(connections["default"]).pop("_api_key_statement")
    assert _get(client, api_world).status_code == 200
    assert _get(client, api_world).status_code == 200


def test_the_prepared_look_up_still_refuses_a_revoked_key(client, api_world):
    assert _get(client, api_world).status_code == 200
    api_key_revoke(api_key=api_world.key_a.api_key, acting_user=api_world.manager)
    assert _get(client, api_world).status_code == 401


def test_behind_a_pooler_that_shares_sessions_the_look_up_is_not_prepared(client, api_world, settings):
    settings.DATABASE_PREPARED_STATEMENTS = False
    vars(connections["default"]).pop("_api_key_statement", None)
    with CaptureQueriesContext(connection) as captured:
        assert _get(client, api_world).status_code == 200
    assert not _key_queries(captured)
    assert any("integrations_apikey" in q["sql"] for q in captured.captured_queries)
    assert not hasattr(connections["default"], "_api_key_statement")
