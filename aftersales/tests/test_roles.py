import pytest
from django.contrib.auth.models import Group
from django.urls import reverse

from aftersales.roles import ROLE_PERMISSIONS, Role

pytestmark = pytest.mark.django_db

PAGES = {
    "office:dashboard": {"manager"},
    "office:my_center": {"supervisor"},
    "repairs:register": {"dispatcher", "supervisor", "manager"},
    "repairs:my_orders": {"technician", "supervisor"},
    "office:dealer_home": {"dealer"},
}
HOME = {
    "manager": "office:dashboard",
    "supervisor": "office:my_center",
    "dispatcher": "repairs:register",
    "technician": "repairs:my_orders",
    "dealer": "office:dealer_home",
}


def test_the_role_groups_exist_with_their_contract_names_and_permissions():
    assert set(Group.objects.values_list("name", flat=True)) >= set(Role.values)
    for role, perms in ROLE_PERMISSIONS.items():
        group = Group.objects.get(name=role)
        got = {
            f"{p.content_type.app_label}.{p.codename}"
            for p in group.permissions.select_related("content_type")
        }
        assert got == set(perms)


@pytest.mark.parametrize("role", list(HOME))
def test_home_sends_each_role_to_its_page(client, users, role):
    client.force_login(users[role])
    response = client.get("/")
    assert response.status_code == 302
    assert response["Location"] == reverse(HOME[role])
    assert client.get(response["Location"]).status_code == 200


@pytest.mark.parametrize("page", list(PAGES))
@pytest.mark.parametrize("role", ["dispatcher", "technician", "supervisor", "manager", "dealer", "nobody"])
def test_each_page_admits_its_roles_and_refuses_the_others(client, users, page, role):
    client.force_login(users[role])
    response = client.get(reverse(page))
    assert response.status_code == (200 if role in PAGES[page] else 403)


@pytest.mark.parametrize("page", [*PAGES, "home"])
def test_anonymous_users_are_sent_to_the_login_page(client, page):
    response = client.get(reverse(page))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login") + "?next=")


def test_a_user_without_a_role_is_told_so(client, users):
    client.force_login(users["nobody"])
    response = client.get("/")
    assert response.status_code == 403
    assert "尚未分配角色" in response.content.decode()


def test_a_supervisor_sees_their_own_centre_and_not_another(
    client, users, center_factory, technician_factory
):
    other = center_factory(code="SC-B", name="乙网点")
    technician_factory(center=other, name="乙网点的工程师")
    technician_factory(center=users["center"], name="甲网点的工程师")
    client.force_login(users["supervisor"])
    html = client.get(reverse("office:my_center")).content.decode()
    assert "甲网点" in html and "甲网点的工程师" in html
    assert "乙网点" not in html and "乙网点的工程师" not in html


def test_login_with_a_real_password_lands_on_the_role_page(client, users):
    response = client.post(reverse("login"), {"username": "disp", "password": "pw-12345"}, follow=True)
    assert response.redirect_chain[-1][0] == reverse("repairs:register")
    assert "叫修登记簿" in response.content.decode()


def test_wrong_password_is_refused_in_chinese(client, users):
    response = client.post(reverse("login"), {"username": "disp", "password": "wrong"})
    assert response.status_code == 200
    assert "用户名或密码错误" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_logout_needs_a_post_and_ends_the_session(client, users):
    client.force_login(users["manager"])
    assert client.get(reverse("logout")).status_code == 405
    client.post(reverse("logout"))
    assert "_auth_user_id" not in client.session


def test_passwords_are_stored_hashed(users):
    stored = users["dispatcher"].password
    assert "pw-12345" not in stored and "$" in stored
