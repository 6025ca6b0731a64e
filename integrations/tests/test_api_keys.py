import datetime as dt
import io

import pytest
from django.core.management import call_command
from django.db import connection
from django.utils import timezone

from integrations.models import ApiKey
from integrations.services import api_key_hash, api_key_revoke

pytestmark = pytest.mark.django_db


def test_the_raw_key_is_nowhere_in_the_database(api_world):
    raw = api_world.key_a.raw_key
    with connection.cursor() as cursor:
        cursor.execute("SELECT prefix, key_hash, name FROM integrations_apikey")
        rows = cursor.fetchall()
    assert rows and all(raw not in " ".join(map(str, row)) for row in rows)
    assert ApiKey.objects.get(pk=api_world.key_a.api_key.pk).key_hash == api_key_hash(raw)
    assert raw.startswith(f"ask_{api_world.key_a.api_key.prefix}_") and len(raw) > 40


def test_a_key_acts_as_its_dealer_only(client, api_world, key_client):
    answer = key_client(api_world.key_a.raw_key).get("/api/v1/me/").json()
    assert answer["roles"] == ["dealer"] and answer["dealers"] == ["DL-A"]


def test_a_request_without_credentials_answers_401_in_the_error_shape(client, api_world):
    response = client.get("/api/v1/units/")
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Api-Key"
    assert set(response.json()) == {"code", "message", "errors"}


def test_a_revoked_key_is_refused(client, api_world, key_client):
    api_key_revoke(api_key=api_world.key_a.api_key)
    response = key_client(api_world.key_a.raw_key).get("/api/v1/units/")
    assert response.status_code == 401
    assert response.json()["code"] == "authentication_failed"


def test_an_expired_key_is_refused_and_a_current_one_accepted(client, api_world, key_client):
    ApiKey.objects.filter(pk=api_world.key_a.api_key.pk).update(
        expires_at=timezone.now() + dt.timedelta(hours=1)
    )
    assert key_client(api_world.key_a.raw_key).get("/api/v1/units/").status_code == 200
    ApiKey.objects.filter(pk=api_world.key_a.api_key.pk).update(
        expires_at=timezone.now() - dt.timedelta(seconds=1)
    )
    assert key_client(api_world.key_a.raw_key).get("/api/v1/units/").status_code == 401


def test_a_wrong_key_is_refused_in_english_when_asked(client, api_world):
    response = client.get(
        "/api/v1/units/", HTTP_AUTHORIZATION="Api-Key ask_00000000_nope", HTTP_ACCEPT_LANGUAGE="en"
    )
    assert response.status_code == 401
    assert "API key" in response.json()["message"]
    chinese = client.get("/api/v1/units/", HTTP_AUTHORIZATION="Api-Key ask_00000000_nope")
    assert "密钥" in chinese.json()["message"]


def test_last_used_is_recorded_at_most_once_a_minute(client, api_world, key_client):
    key = api_world.key_a.api_key
    assert key.last_used_at is None
    key_client(api_world.key_a.raw_key).get("/api/v1/units/")
    key.refresh_from_db()
    first = key.last_used_at
    assert first is not None and timezone.now() - first < dt.timedelta(seconds=10)
    key_client(api_world.key_a.raw_key).get("/api/v1/units/")
    key.refresh_from_db()
    assert key.last_used_at == first
    ApiKey.objects.filter(pk=key.pk).update(last_used_at=first - dt.timedelta(minutes=2))
    key_client(api_world.key_a.raw_key).get("/api/v1/units/")
    key.refresh_from_db()
    assert key.last_used_at > first - dt.timedelta(minutes=1)


def test_create_api_key_prints_the_key_once_and_it_works(client, api_world):
    out, err = io.StringIO(), io.StringIO()
    call_command("create_api_key", "--dealer", "DL-B", "--name", "ERP", stdout=out, stderr=err)
    raw = out.getvalue().strip()
    assert ApiKey.objects.filter(key_hash=api_key_hash(raw), name="ERP", dealer__code="DL-B").exists()
    assert raw not in err.getvalue()
    assert client.get("/api/v1/me/", HTTP_AUTHORIZATION=f"Api-Key {raw}").json()["dealers"] == ["DL-B"]


def test_dealer_users_create_and_revoke_their_keys_on_the_page(client, api_world):
    client.force_login(api_world.dealer_a_user)
    page = client.post("/integrations/api-keys/", {"dealer": api_world.dealer_a.pk, "name": "收银系统"})
    assert page.status_code == 200
    raw = page.context["new_key"].raw_key
    assert raw in page.content.decode()
    assert "no-store" in page["Cache-Control"]  # the key shown once is kept by no cache
    created = ApiKey.objects.get(key_hash=api_key_hash(raw))
    assert created.created_by == api_world.dealer_a_user
    # Dealer B's key is not theirs: 404, and it stays usable.
    other = api_world.key_b.api_key
    assert client.post(f"/integrations/api-keys/{other.pk}/revoke/").status_code == 404
    other.refresh_from_db()
    assert other.revoked_at is None
    client.post(f"/integrations/api-keys/{created.pk}/revoke/")
    created.refresh_from_db()
    assert created.revoked_at is not None and created.revoked_by == api_world.dealer_a_user
    # The list never shows a key again.
    assert raw not in client.get("/integrations/api-keys/").content.decode()


def test_a_manager_creates_a_key_for_any_dealer_and_others_may_not(client, api_world):
    client.force_login(api_world.manager)
    page = client.post("/integrations/api-keys/", {"dealer": api_world.dealer_b.pk, "name": "B"})
    assert page.context["new_key"].api_key.dealer == api_world.dealer_b
    client.force_login(api_world.dispatcher)
    assert client.get("/integrations/api-keys/").status_code == 403


def test_a_user_named_like_the_principal_never_becomes_it(client, api_world, key_client):
    """A person whose login happens to read api-<dealer code> is not made the dealer's API principal, and
    a key of one dealer never reads another's units, whatever its principal user was given."""
    from integrations.services import api_key_create
    from network.factories import DealerFactory, UserFactory

    dealer = DealerFactory(code="Shop9", name="丙经销商")
    stranger = UserFactory(username="api-shop9", roles=["dispatcher"])
    first = api_key_create(dealer=dealer, name="一")
    second = api_key_create(dealer=dealer, name="二")
    assert first.api_key.principal_id == second.api_key.principal_id != stranger.pk
    assert not stranger.dealers.exists()
    assert not first.api_key.principal.has_usable_password()

    # Someone adds dealer A's principal to dealer B in the admin: A's key still reads A's units only.
    api_world.dealer_b.users.add(api_world.key_a.api_key.principal)
    api_world.key_a.api_key.principal.groups.add(*stranger.groups.all())  # and the dispatcher role
    units = key_client(api_world.key_a.raw_key).get("/api/v1/units/").json()["results"]
    assert [u["id"] for u in units] == [api_world.unit_a.pk]
    me = client.get("/api/v1/me/").json()
    assert me["roles"] == ["dealer"] and me["dealers"] == ["DL-A"]
    assert client.get(f"/api/v1/units/{api_world.unit_b.pk}/").status_code == 404


def test_the_key_look_up_accepts_exactly_the_usable_keys(client, api_world, key_client):
    """The per-request look-up is written out in SQL: it must refuse what ApiKey.objects.usable() refuses
    (revoked, expired, a dealer switched off) and an inactive principal, and accept the rest."""
    from integrations.services import api_key_authenticate, api_key_create
    from network.factories import DealerFactory

    now = timezone.now()
    keys = {
        "current": api_world.key_a,
        "expiring": api_key_create(
            dealer=api_world.dealer_a, name="明天到期", expires_at=now + dt.timedelta(days=1)
        ),
        "revoked": api_key_create(dealer=api_world.dealer_a, name="吊销"),
        "expired": api_key_create(
            dealer=api_world.dealer_a, name="过期", expires_at=now + dt.timedelta(seconds=1)
        ),
        "dealer off": api_key_create(dealer=DealerFactory(code="DL-OFF"), name="停用经销商"),
        "principal off": api_key_create(dealer=DealerFactory(code="DL-NOU"), name="停用主体"),
    }
    api_key_revoke(api_key=keys["revoked"].api_key)
    keys["dealer off"].api_key.dealer.__class__.objects.filter(code="DL-OFF").update(active=False)
    type(keys["principal off"].api_key.principal).objects.filter(
        pk=keys["principal off"].api_key.principal_id
    ).update(is_active=False)
    later = now + dt.timedelta(minutes=1)
    ours = {key.api_key.pk: name for name, key in keys.items()}
    usable = {
        ours[pk] for pk in ApiKey.objects.usable(later).filter(pk__in=ours).values_list("pk", flat=True)
    }
    accepted = {name for name, key in keys.items() if api_key_authenticate(raw_key=key.raw_key, now=later)}
    assert accepted == {"current", "expiring"} == usable - {"principal off"}
    found = api_key_authenticate(raw_key=keys["current"].raw_key, now=later)
    assert found.dealer.code == "DL-A" and found.principal.pk == api_world.key_a.api_key.principal_id
    assert found.principal.is_active and found.dealer_id == api_world.dealer_a.pk
