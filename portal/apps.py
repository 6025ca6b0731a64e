from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PortalConfig(AppConfig):
    """The customer's own pages under /my/ (a phone-sized web page, no app): sign in with an SMS code, the
    units and their electronic warranty cards, report a fault, follow, move, confirm and rate a visit. They
    compose the apps below through their services; nothing imports them."""

    name = "portal"
    verbose_name = _("Customer's own pages")

    def ready(self):
        from aftersales import extensions  # in ready(): the app registry is loaded by then

        from .qr import unit_card_qr  # in ready(): it reads the models
        from .visits import acts_as_customer  # in ready(): it reads the models

        # The acceptance record and the exchange certificate print the QR code of the unit's warranty card.
        extensions.provide(extensions.UNIT_CARD_QR, unit_card_qr)
        # Repairs' guards ask whether a signed-in user is the order's own customer (moving their appointment,
        # confirming the service done).
        extensions.provide(extensions.WORK_ORDER_CUSTOMER, acts_as_customer)
