"""The register's reads: the WorkOrderFilterSet, the dispatcher's look-up while typing, and the dispatch
suggestions."""

import datetime as dt

import pytest
from django.utils import timezone

from network.factories import (
    DealerFactory,
    DistrictFactory,
    ServiceCenterFactory,
    TechnicianFactory,
    UserFactory,
    authorise,
)
from repairs.choices import ServiceType
from repairs.choices import WorkOrderStatus as S
from repairs.factories import (
    CustomerAddressFactory,
    CustomerFactory,
    CustomerPhoneFactory,
    ProductUnitFactory,
    RepairCallFactory,
    WorkOrderFactory,
)
from repairs.filters import WorkOrderFilterSet
from repairs.models import ProductCategory
from repairs.selectors import customer_lookup, dispatch_suggestions, register_rows

pytestmark = pytest.mark.django_db


def local(days_from_today: int, hour: int, minute: int = 0, second: int = 0) -> dt.datetime:
    day = timezone.localdate() + dt.timedelta(days=days_from_today)
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour, minute, second)))


def day(days_from_today: int) -> str:
    return (timezone.localdate() + dt.timedelta(days=days_from_today)).isoformat()


def order(
    *, customer_name, serial="", phone_unit=False, caller_phone, service_type=ServiceType.FREE, **fields
):
    owner = CustomerFactory(name=customer_name)
    unit = (
        ProductUnitFactory(phone=True, owner=owner)
        if phone_unit
        else ProductUnitFactory(serial_number=serial, owner=owner)
    )
    call = RepairCallFactory(unit=unit, caller_phone=caller_phone, service_type=service_type)
    return WorkOrderFactory(call=call, **fields)


@pytest.fixture
def register():
    """Four work orders a dispatcher tells apart by status, centre, engineer, type, category, dates and
    the customer's details."""
    a, b = ServiceCenterFactory(name="甲网点"), ServiceCenterFactory(name="乙网点")
    a1, b1 = TechnicianFactory(center=a), TechnicianFactory(center=b)
    new = order(
        customer_name="张三",
        serial="KFR88A0001",
        caller_phone="13811112222",
        status=S.NEW,
        created_at=local(-3, 0, 0, 0),
    )
    dispatched = order(
        customer_name="李四",
        serial="KFR99B0002",
        caller_phone="13922223333",
        service_type=ServiceType.PAID,
        status=S.DISPATCHED,
        center=a,
        technician=a1,
        appointment_start=timezone.now() - dt.timedelta(hours=3),
        appointment_end=timezone.now() - dt.timedelta(hours=1),
        created_at=local(-1, 23, 59, 59),
    )
    in_repair = order(
        customer_name="张三丰",
        phone_unit=True,
        caller_phone="13533334444",
        status=S.IN_REPAIR,
        center=b,
        technician=b1,
        appointment_start=timezone.now() + dt.timedelta(days=1),
        appointment_end=timezone.now() + dt.timedelta(days=1, hours=2),
        created_at=timezone.now(),
    )
    closed = order(
        customer_name="王五",
        serial="3300123456",
        caller_phone="020-88886666",
        status=S.CLOSED,
        center=a,
        technician=a1,
        appointment_start=timezone.now() - dt.timedelta(days=5, hours=2),
        appointment_end=timezone.now() - dt.timedelta(days=5),
        created_at=local(-10, 12),
    )
    CustomerPhoneFactory(customer=closed.call.customer, number="13700001111")
    return {
        "new": new,
        "dispatched": dispatched,
        "in_repair": in_repair,
        "closed": closed,
        "a": a,
        "b": b,
        "a1": a1,
        "b1": b1,
        "user": UserFactory(roles=["dispatcher"]),
    }


def found(register, **data) -> set[str]:
    """The names of the register's orders the filters return."""
    user = register["user"]
    filterset = WorkOrderFilterSet(data, queryset=register_rows(user=user), user=user)
    assert filterset.is_valid(), filterset.errors
    names = {
        o.pk: name for name, o in register.items() if name in ("new", "dispatched", "in_repair", "closed")
    }
    return {names[o.pk] for o in filterset.qs}


def ordered(register, ordering) -> list[str]:
    user = register["user"]
    filterset = WorkOrderFilterSet({"ordering": ordering}, queryset=register_rows(user=user), user=user)
    names = {register[n].pk: n for n in ("new", "dispatched", "in_repair", "closed")}
    return [names[o.pk] for o in filterset.qs]


ALL = {"new", "dispatched", "in_repair", "closed"}


def test_no_filter_shows_every_order(register):
    assert found(register) == ALL


@pytest.mark.parametrize(
    ("statuses", "expected"),
    [
        (["new"], {"new"}),
        (["dispatched", "in_repair"], {"dispatched", "in_repair"}),
        (["cancelled"], set()),
    ],
)
def test_filter_by_status(register, statuses, expected):
    assert found(register, status=statuses) == expected


def test_filter_by_centre_and_by_engineer(register):
    assert found(register, center=register["a"].pk) == {"dispatched", "closed"}
    assert found(register, center=register["b"].pk) == {"in_repair"}
    assert found(register, technician=register["b1"].pk) == {"in_repair"}
    assert found(register, center=register["a"].pk, status=["closed"]) == {"closed"}


def test_filter_by_service_type_and_category(register):
    assert found(register, service_type=ServiceType.PAID) == {"dispatched"}
    assert found(register, service_type=ServiceType.CONTRACT) == set()
    phones = ProductCategory.objects.get(code="mobile_phone")
    conditioners = ProductCategory.objects.get(code="air_conditioner")
    assert found(register, category=phones.pk) == {"in_repair"}
    assert found(register, category=conditioners.pk) == {"new", "dispatched", "closed"}


def test_filter_by_the_day_logged_includes_both_ends(register):
    assert found(register, logged_from=day(-3), logged_to=day(-1)) == {"new", "dispatched"}
    assert found(register, logged_from=day(-1)) == {"dispatched", "in_repair"}
    assert found(register, logged_to=day(-4)) == {"closed"}
    assert found(register, logged_from=day(-2), logged_to=day(-2)) == set()


def test_overdue_shows_open_orders_whose_appointment_has_ended(register):
    assert found(register, overdue=True) == {"dispatched"}
    assert found(register, overdue=False) == ALL


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        pytest.param(lambda r: r["dispatched"].call.number, {"dispatched"}, id="call-number"),
        pytest.param(
            lambda r: r["dispatched"].call.number.lower(), {"dispatched"}, id="call-number-lower-case"
        ),
        pytest.param(lambda r: r["in_repair"].number, {"in_repair"}, id="work-order-number"),
        pytest.param(lambda r: "1381", {"new"}, id="caller-phone-prefix"),
        pytest.param(lambda r: "138 1111", {"new"}, id="caller-phone-prefix-with-space"),
        pytest.param(lambda r: "1370", {"closed"}, id="customers-other-phone"),
        pytest.param(lambda r: "020-8888", {"closed"}, id="landline-prefix"),
        pytest.param(lambda r: r["in_repair"].call.unit.imei, {"in_repair"}, id="imei"),
        pytest.param(lambda r: r["in_repair"].call.unit.imei[:8], {"in_repair"}, id="imei-prefix"),
        pytest.param(lambda r: "KFR88", {"new"}, id="serial-prefix"),
        pytest.param(lambda r: "kfr", {"new", "dispatched"}, id="serial-prefix-lower-case"),
        pytest.param(lambda r: "33001", {"closed"}, id="serial-prefix-digits"),
        pytest.param(lambda r: "张三", {"new", "in_repair"}, id="name-prefix"),
        pytest.param(lambda r: "张三丰", {"in_repair"}, id="full-name"),
        pytest.param(lambda r: "三", set(), id="not-a-name-prefix"),
        pytest.param(lambda r: "13999999", set(), id="unknown-phone"),
    ],
)
def test_the_search_box(register, query, expected):
    assert found(register, q=query(register)) == expected


@pytest.mark.parametrize("query", ["1381", "1370", "13"])
def test_a_phone_prefix_matching_more_rows_than_the_cap_still_finds_them_all(register, monkeypatch, query):
    expected = found(register, q=query)
    monkeypatch.setattr("repairs.filters.PHONE_MATCH_CAP", 0)

    assert found(register, q=query) == expected


def test_ordering(register):
    assert ordered(register, "created") == ["closed", "new", "dispatched", "in_repair"]
    assert ordered(register, "-created") == ["in_repair", "dispatched", "new", "closed"]
    by_number = sorted(("new", "dispatched", "in_repair", "closed"), key=lambda n: register[n].number)
    assert ordered(register, "number") == by_number
    assert ordered(register, "-number") == by_number[::-1]


def test_a_filtered_page_takes_the_same_queries_whatever_its_length(register, django_assert_num_queries):
    user = register["user"]
    data = {"center": register["a"].pk, "technician": register["a1"].pk, "q": "KFR"}

    def read():
        filterset = WorkOrderFilterSet(data, queryset=register_rows(user=user), user=user)
        return [
            (o.call.unit.model.category.name, o.call.customer.name, o.center.name, o.technician.name)
            for o in filterset.qs
        ]

    assert len(read()) == 1
    for n in range(5):
        order(
            customer_name="赵六",
            serial=f"KFR77C{n:04d}",
            caller_phone="13600000000",
            status=S.DISPATCHED,
            center=register["a"],
            technician=register["a1"],
        )
    with django_assert_num_queries(3):  # the centre, the engineer, the rows
        rows = read()
    assert len(rows) == 6


# The dispatcher's look-up -----------------------------------------------------------------------------


@pytest.fixture
def dispatcher():
    return UserFactory(roles=["dispatcher"])


@pytest.fixture
def zhao():
    """A customer with two phones, an address, an air conditioner and a mobile phone."""
    customer = CustomerFactory(name="赵六")
    CustomerPhoneFactory(customer=customer, number="13866667777")
    CustomerPhoneFactory(customer=customer, number="02066667777", is_primary=False)
    CustomerAddressFactory(customer=customer)
    conditioner = ProductUnitFactory(owner=customer, serial_number="GREE2024X001")
    phone = ProductUnitFactory(phone=True, owner=customer)
    return {"customer": customer, "conditioner": conditioner, "phone": phone}


def test_a_phone_prefix_finds_the_customer_with_units(dispatcher, zhao):
    result = customer_lookup(user=dispatcher, query="138 6666")

    assert result["kind"] == "phone"
    assert result["customers"] == [zhao["customer"]]
    customer = result["customers"][0]
    assert set(customer.units.all()) == {zhao["conditioner"], zhao["phone"]}
    assert result["units"] == []


@pytest.mark.parametrize("query", ["138", "  13 ", "GRE", ""])
def test_fewer_than_four_characters_find_nothing(dispatcher, zhao, query):
    result = customer_lookup(user=dispatcher, query=query)

    assert (result["kind"], result["customers"], result["units"]) == (None, [], [])


def test_an_imei_prefix_finds_the_unit(dispatcher, zhao):
    imei = zhao["phone"].imei

    for query in (imei[:6], imei):
        result = customer_lookup(user=dispatcher, query=query)
        assert (result["kind"], result["units"]) == ("unit", [zhao["phone"]])


def test_a_serial_prefix_finds_the_unit_whatever_the_case(dispatcher, zhao):
    result = customer_lookup(user=dispatcher, query="gree 2024")

    assert (result["kind"], result["units"]) == ("unit", [zhao["conditioner"]])
    assert result["customers"] == []


def test_a_dealer_finds_only_units_it_sold(dispatcher):
    dealer_user = UserFactory(roles=["dealer"])
    own_dealer = DealerFactory()
    own_dealer.users.add(dealer_user)
    mine = ProductUnitFactory(serial_number="DLX1000001", dealer=own_dealer)
    theirs = ProductUnitFactory(serial_number="DLX1000002", dealer=DealerFactory())
    nobody = UserFactory()

    assert customer_lookup(user=dealer_user, query="DLX1")["units"] == [mine]
    assert customer_lookup(user=dispatcher, query="DLX1")["units"] == [mine, theirs]
    assert customer_lookup(user=nobody, query="DLX1")["units"] == []


def test_a_dealer_looking_up_a_phone_sees_its_customer_and_only_the_units_it_sold():
    dealer_user = UserFactory(roles=["dealer"])
    own_dealer = DealerFactory()
    own_dealer.users.add(dealer_user)
    customer = CustomerFactory(name="钱七")
    CustomerPhoneFactory(customer=customer, number="13944445555")
    mine = ProductUnitFactory(owner=customer, dealer=own_dealer)
    ProductUnitFactory(owner=customer, dealer=DealerFactory())
    stranger = CustomerFactory(name="孙八")
    CustomerPhoneFactory(customer=stranger, number="13944446666")
    ProductUnitFactory(owner=stranger, dealer=DealerFactory())

    result = customer_lookup(user=dealer_user, query="139 4444")

    assert result["customers"] == [customer]
    assert list(result["customers"][0].units.all()) == [mine]


def test_a_dealer_finds_its_customer_behind_many_others_with_the_same_phone_prefix():
    """The look-up shows 8 customers: they must be 8 the dealer may see, not 8 it is then refused."""
    dealer_user = UserFactory(roles=["dealer"])
    own_dealer = DealerFactory()
    own_dealer.users.add(dealer_user)
    for n in range(8):
        other = CustomerFactory(name=f"客户{n}")
        CustomerPhoneFactory(customer=other, number=f"1395555000{n}")
        ProductUnitFactory(owner=other, dealer=DealerFactory())
    customer = CustomerFactory(name="周九")
    CustomerPhoneFactory(customer=customer, number="13955559999")
    ProductUnitFactory(owner=customer, dealer=own_dealer)

    result = customer_lookup(user=dealer_user, query="13955")

    assert result["customers"] == [customer]


def test_the_look_up_takes_the_same_queries_whatever_it_finds(dispatcher, zhao, django_assert_num_queries):
    customer_lookup(user=dispatcher, query="1386")  # the user's roles are read once per request
    with django_assert_num_queries(5) as one:
        customer_lookup(user=dispatcher, query="1386")
    for n in range(4):
        other = CustomerFactory(name=f"赵{n}")
        CustomerPhoneFactory(customer=other, number=f"1386666000{n}")
        CustomerAddressFactory(customer=other)
        ProductUnitFactory(owner=other)
        ProductUnitFactory(owner=other)

    with django_assert_num_queries(len(one.captured_queries)):
        result = customer_lookup(user=dispatcher, query="1386")
        shown = [
            (
                [u.model.category.name for u in customer.units.all()],
                [p.number for p in customer.phones.all()],
                [a.region.full_name for a in customer.addresses.all()],
            )
            for customer in result["customers"]
        ]
    assert len(shown) == 5
    assert all(len(units) == 2 for units, _, _ in shown)


# Dispatch suggestions ---------------------------------------------------------------------------------


@pytest.fixture
def area():
    """A district, the day of the appointment (tomorrow), and an air conditioner to repair there."""
    return {
        "district": DistrictFactory(),
        "day": timezone.localdate() + dt.timedelta(days=1),
        "unit": ProductUnitFactory(),
    }


def centre(area, *, certified=True, **fields):
    center = ServiceCenterFactory(**fields)
    center.coverage.add(area["district"])
    if certified:
        engineer(center)
    return center


def engineer(center, category="air_conditioner", **fields):
    technician = TechnicianFactory(center=center, **fields)
    authorise(technician, ProductCategory.objects.get(code=category))
    return technician


def booked(technician, on: dt.date, status=S.DISPATCHED, hour=10):
    start = timezone.make_aware(dt.datetime.combine(on, dt.time(hour)))
    return WorkOrderFactory(
        status=status,
        center=technician.center,
        technician=technician,
        appointment_start=start,
        appointment_end=start + dt.timedelta(hours=2),
    )


def test_only_centres_covering_the_district_under_agreement_with_a_certified_engineer_are_suggested(area):
    suggested = centre(area, code="SC-OK")
    centre(area, code="SC-ENDED", agreement_end=timezone.localdate())  # ends the day before the visit
    centre(area, code="SC-NOT-YET", agreement_start=area["day"] + dt.timedelta(days=1))
    centre(area, code="SC-CLOSED", active=False)
    fridges_only = centre(area, code="SC-FRIDGE", certified=False)
    engineer(fridges_only, category="refrigerator")
    retired = centre(area, code="SC-RETIRED", certified=False)
    engineer(retired, active=False)
    elsewhere = ServiceCenterFactory(code="SC-ELSEWHERE")
    elsewhere.coverage.add(DistrictFactory())
    engineer(elsewhere)

    suggestions = dispatch_suggestions(unit=area["unit"], region=area["district"], day=area["day"])

    assert [s["center"] for s in suggestions] == [suggested]


def test_no_centre_no_suggestion(area):
    centre(area, certified=False)

    assert dispatch_suggestions(unit=area["unit"], region=area["district"], day=area["day"]) == []


def test_the_least_loaded_centre_comes_first(area):
    busy = centre(area, code="SC-01")
    quiet = centre(area, code="SC-02")
    for _ in range(2):
        WorkOrderFactory(status=S.ACCEPTED, center=busy)
    for status in (S.CLOSED, S.CANCELLED, S.COMPLETED):  # finished work does not count
        WorkOrderFactory(status=status, center=quiet)
    WorkOrderFactory(status=S.IN_REPAIR, center=quiet)

    suggestions = dispatch_suggestions(unit=area["unit"], region=area["district"], day=area["day"])

    assert [s["center"] for s in suggestions] == [quiet, busy]


def test_the_engineer_with_the_fewest_visits_that_day_comes_first(area):
    center = centre(area, certified=False)
    full = engineer(center, employee_no="E001")
    light = engineer(center, employee_no="E002")
    engineer(center, category="refrigerator", employee_no="E000")  # not certified: not listed
    on_day, other_day = area["day"], area["day"] + dt.timedelta(days=1)
    booked(full, on_day, hour=9)
    booked(full, on_day, hour=14)
    booked(light, on_day)
    booked(light, other_day, hour=9)
    booked(light, other_day, hour=14)
    booked(light, on_day, status=S.CANCELLED, hour=15)
    booked(light, on_day, status=S.CLOSED, hour=17)

    suggestions = dispatch_suggestions(unit=area["unit"], region=area["district"], day=on_day)

    assert [s["center"] for s in suggestions] == [center]
    technicians = suggestions[0]["technicians"]
    assert technicians == [light, full]
    assert [t.day_load for t in technicians] == [1, 2]
