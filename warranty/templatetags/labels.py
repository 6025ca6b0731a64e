"""Names for codes a person should not have to read: a 三包 policy version as its category's name."""

from django import template
from django.utils.translation import gettext as _

from warranty.models import WarrantyPolicy

register = template.Library()


@register.simple_tag(takes_context=True)
def policy_label(context, value) -> str:
    """{% policy_label "washing_machine/v1" %} → "洗衣机三包政策 v1"; a value of another shape is shown as it
    is. The categories are read once per page (a table of decisions asks once), so a renamed category shows
    its new name on the next page."""
    categories = context.render_context.get("policy_label_categories")
    if categories is None:
        # Every product category, reached through the policies' relation (the catalogue is repairs').
        model = WarrantyPolicy._meta.get_field("category").related_model
        categories = {c.code: c for c in model.objects.all()}
        context.render_context["policy_label_categories"] = categories
    code, _sep, version = str(value or "").partition("/")
    category = categories.get(code)
    if category is None:
        return value
    return _("%(category)s 三包 policy %(version)s") % {"category": category.local_name, "version": version}
