"""Money in templates, as aftersales.money.yuan writes it: {{ amount|yuan }} → ¥19,853.36 or −¥35.00, and
{{ amount|yuan_figure }} → 19,853.36 or −35.00 in a column headed in yuan. An empty value (None, "") stays
empty so that `|default:"—"` still applies."""

from django import template

from aftersales.money import yuan as _yuan

register = template.Library()


@register.filter(is_safe=True)
def yuan(value) -> str:
    if value is None or value == "":
        return ""
    return _yuan(value)


@register.filter(is_safe=True)
def yuan_figure(value) -> str:
    if value is None or value == "":
        return ""
    return _yuan(value, symbol=False)
