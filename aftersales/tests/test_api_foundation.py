import pytest

pytestmark = pytest.mark.django_db


def test_openapi_schema_is_served(client, users):
    client.force_login(users["manager"])
    response = client.get("/api/v1/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert response.status_code == 200
    assert response.json()["openapi"].startswith("3.")


def test_api_docs_are_served_without_a_cdn(client, users):
    client.force_login(users["dealer"])
    html = client.get("/api/v1/docs/").content.decode()
    assert "swagger-ui" in html
    assert "cdn." not in html and "unpkg" not in html


def test_me_tells_an_integrator_its_roles_and_scope(client, users):
    client.force_login(users["supervisor"])
    assert client.get("/api/v1/me/").json() == {
        "username": "sup_a",
        "roles": ["supervisor"],
        "service_centers": ["SC-A"],
        "dealers": [],
    }
    client.force_login(users["dealer"])
    assert client.get("/api/v1/me/").json()["dealers"] == ["DL-A"]


def test_api_errors_share_one_shape(client):
    response = client.get("/api/v1/me/")
    # 401 since API keys came: the first authentication class names its scheme in WWW-Authenticate.
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Api-Key"
    body = response.json()
    assert set(body) == {"code", "message", "errors"}
    assert body["code"] == "not_authenticated"
    assert "身份" in body["message"] or "认证" in body["message"]
