import pytest

from portal.factories import customer_with_account


@pytest.fixture
def customer_account(db):
    """(customer, account): a customer with a mobile number, signed up on their own pages."""
    return customer_with_account()


@pytest.fixture
def customer_client(client, customer_account):
    """A test client signed in as `customer_account`'s account."""
    client.force_login(customer_account[1].user)
    client.account = customer_account[1]
    client.customer = customer_account[0]
    return client
