"""The edges a review of the customer's pages found: each is what a customer (or someone pretending to be one)
would meet."""

import datetime as dt
import io

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from PIL import Image

from network.factories import UserFactory
from portal.signin import account_for_number
from repairs.factories import ProductModelFactory
from repairs.models import ProductUnit
from repairs.services import photo_problems
from warranty.choices import Remedy
from warranty.selectors import unit_warranty_position


def test_a_product_registered_by_its_owner_is_covered_from_the_purchase_date_they_state(customer_client):
    model = ProductModelFactory(model_number="KFR-26GW/TEST", category__code="air_conditioner")
    bought = timezone.localdate() - dt.timedelta(days=5)
    customer_client.post(
        reverse("portal:unit_new"),
        {
            "model": model.pk,
            "identifier": "AC-TRUST-1",
            "purchase_date": bought.isoformat(),
            "invoice_number": "44031234",
        },
    )
    unit = ProductUnit.objects.get(serial_number="AC-TRUST-1")
    assert (unit.sale_date, unit.invoice_date, unit.invoice_number) == (bought, bought, "44031234")
    # Five days after the purchase: the statutory return is open, not a paid repair.
    decision = unit_warranty_position(unit=unit, as_of=timezone.localdate())["decision"]
    assert decision is not None and decision.verdict != Remedy.PAID_REPAIR


@pytest.mark.django_db
def test_an_action_sent_after_the_session_ended_signs_in_and_starts_again(client):
    response = client.post(reverse("portal:order_rate", args=[1]), {"stars": "5"})
    assert response.status_code == 302 and response["Location"] == reverse("portal:home")
    page = client.get(reverse("portal:order_detail", args=[1]))
    assert page["Location"] == f"{reverse('portal:home')}?next=%2Fmy%2Forders%2F1%2F"


@pytest.mark.django_db
def test_a_staff_user_named_like_a_customers_account_is_never_signed_in_by_a_code():
    UserFactory(username="customer-13911112222", roles=["dispatcher"])
    with pytest.raises(ValidationError):
        account_for_number("13911112222", timezone.now())


def test_a_photo_of_too_many_pixels_is_refused_before_it_is_decoded():
    buffer = io.BytesIO()
    Image.new("1", (10_000, 7_000)).save(buffer, "PNG")  # 70 megapixels, a few kilobytes on the wire
    problems = photo_problems([SimpleUploadedFile("huge.png", buffer.getvalue(), content_type="image/png")])
    assert problems and "huge.png" in problems[0]
