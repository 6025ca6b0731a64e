"""Test data for the customer's pages: a signed-in customer (a user with the customer role and an account for
a mobile number) whose customer record holds that number."""

import factory
from django.contrib.auth.models import Group

from aftersales.roles import Role
from network.factories import UserFactory
from repairs.factories import CustomerFactory, CustomerPhoneFactory

from .models import PortalAccount


class PortalAccountFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PortalAccount
        skip_postgeneration_save = True

    phone = factory.Sequence(lambda n: f"139{n:08d}")
    user = factory.SubFactory(
        UserFactory, username=factory.LazyAttribute(lambda o: f"customer-{o.factory_parent.phone}")
    )

    @factory.post_generation
    def customer_role(self, create, extracted, **kwargs):
        if create:
            self.user.groups.add(Group.objects.get_or_create(name=Role.CUSTOMER)[0])


def customer_with_account(*, phone: str | None = None, name: str = "张三"):
    """A customer registered by the hotline under a mobile number, and the account of that number: returns
    (customer, account)."""
    account = PortalAccountFactory(**({"phone": phone} if phone else {}))
    customer = CustomerFactory(name=name)
    CustomerPhoneFactory(customer=customer, number=account.phone)
    return customer, account
