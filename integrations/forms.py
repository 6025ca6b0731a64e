from django import forms
from django.utils.translation import gettext_lazy as _

from aftersales.fields import DateInput
from network.models import Dealer


class ApiKeyForm(forms.Form):
    dealer = forms.ModelChoiceField(
        label=_("Dealer"), queryset=Dealer.objects.none(), empty_label=_("Choose a dealer")
    )
    name = forms.CharField(label=_("Name"), max_length=100, help_text=_("e.g. the shop system that uses it"))
    expires_on = forms.DateField(label=_("Expires on"), required=False, widget=DateInput())

    def __init__(self, *args, dealers, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["dealer"].queryset = dealers
        if dealers.count() == 1:
            self.fields["dealer"].initial = dealers.first()
