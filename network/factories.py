import datetime as dt
import itertools

import factory
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group

from .choices import CenterLevel, CertificateKind, RegionLevel
from .models import Certificate, Dealer, Region, ServiceCenter, Technician


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ["username"]
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    first_name = factory.Faker("name", locale="zh_CN")
    password = factory.django.Password("pw-12345")

    @factory.post_generation
    def roles(self, create, extracted, **kwargs):
        if create and extracted:
            self.groups.add(*Group.objects.filter(name__in=list(extracted)))


class ProvinceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Region
        django_get_or_create = ["code"]

    code = factory.Sequence(lambda n: f"{90 + n % 9}0000{n}")
    name = factory.Sequence(lambda n: f"测试省{n}")
    level = RegionLevel.PROVINCE
    parent = None


class CityFactory(ProvinceFactory):
    code = factory.Sequence(lambda n: f"C{n:06d}")
    name = factory.Sequence(lambda n: f"测试市{n}")
    level = RegionLevel.CITY
    parent = factory.SubFactory(ProvinceFactory)


class DistrictFactory(ProvinceFactory):
    code = factory.Sequence(lambda n: f"D{n:06d}")
    name = factory.Sequence(lambda n: f"测试区{n}")
    level = RegionLevel.DISTRICT
    parent = factory.SubFactory(CityFactory)


class ServiceCenterFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ServiceCenter
        django_get_or_create = ["code"]

    code = factory.Sequence(lambda n: f"SC-{n:03d}")
    name = factory.Sequence(lambda n: f"测试服务网点{n}")
    level = CenterLevel.A
    region = factory.SubFactory(DistrictFactory)
    address = "中山路 1 号"
    phone = "02088886666"
    agreement_start = dt.date(2024, 1, 1)
    agreement_end = dt.date(2030, 12, 31)


class TechnicianFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Technician
        skip_postgeneration_save = True

    user = factory.SubFactory(UserFactory, roles=["technician"])
    center = factory.SubFactory(ServiceCenterFactory)
    employee_no = factory.Sequence(lambda n: f"TT{n:05d}")
    name = factory.Sequence(lambda n: f"工程师{n}")
    phone = "13800138000"

    @factory.post_generation
    def categories(self, create, extracted, **kwargs):
        """TechnicianFactory(categories=[…]): skilled and certified (a 上岗证 in force) for each."""
        if create and extracted:
            for category in extracted:
                self.categories.add(category)
                certify(self, category)


class DealerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Dealer
        django_get_or_create = ["code"]

    code = factory.Sequence(lambda n: f"DL{n:03d}")
    name = factory.Sequence(lambda n: f"测试经销商{n}")
    region = factory.SubFactory(DistrictFactory)
    contact_name = "王经理"
    contact_phone = "13900139000"


_numbers = itertools.count(1)
CERTIFIED_FROM = dt.date(2020, 1, 1)
CERTIFIED_UNTIL = dt.date(2099, 12, 31)


def certify(technician, category, *, issued_on=CERTIFIED_FROM, expires_on=CERTIFIED_UNTIL, **kwargs):
    """A technician's certificate (上岗证) for the category, in force from `issued_on` to `expires_on`."""
    return Certificate.objects.create(
        number=kwargs.pop("number", None) or f"T{technician.pk}-{category.pk}-{next(_numbers)}",
        holder=technician.user,
        kind=CertificateKind.TECHNICIAN,
        category=category,
        issued_on=issued_on,
        expires_on=expires_on,
        issued_by=kwargs.pop("issued_by", "厂家服务部"),
        **kwargs,
    )


def authorise(technician, category, *districts) -> None:
    """The technician is certified for the category (skilled, and holding a 上岗证 in force from 2020 to 2099),
    and the technician's centre's agreement covers the category and the districts: dispatch there is within
    the agreement."""
    technician.categories.add(category)
    if not Certificate.objects.filter(
        holder_id=technician.user_id, kind=CertificateKind.TECHNICIAN, category=category
    ).exists():
        certify(technician, category)
    technician.center.categories.add(category)
    if districts:
        technician.center.coverage.add(*districts)
