import datetime as dt

import factory
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group

from .choices import CenterLevel, RegionLevel
from .models import Dealer, Region, ServiceCenter, Technician


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

    user = factory.SubFactory(UserFactory, roles=["technician"])
    center = factory.SubFactory(ServiceCenterFactory)
    employee_no = factory.Sequence(lambda n: f"TT{n:05d}")
    name = factory.Sequence(lambda n: f"工程师{n}")
    phone = "13800138000"


class DealerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Dealer
        django_get_or_create = ["code"]

    code = factory.Sequence(lambda n: f"DL{n:03d}")
    name = factory.Sequence(lambda n: f"测试经销商{n}")
    region = factory.SubFactory(DistrictFactory)
    contact_name = "王经理"
    contact_phone = "13900139000"


def authorise(technician, category, *districts) -> None:
    """The technician is certified for the category, and the technician's centre's agreement covers the
    category and the districts: dispatch there is within the agreement."""
    technician.categories.add(category)
    technician.center.categories.add(category)
    if districts:
        technician.center.coverage.add(*districts)
