import pytest
from django.conf import settings
from django.utils import translation


@pytest.fixture(autouse=True)
def _chinese_again_after_each_test():
    """A page read in English (the language cookie) leaves English active in the thread: the next test's
    services would answer in English. Back to the site's language after every test."""
    yield
    translation.activate(settings.LANGUAGE_CODE)
