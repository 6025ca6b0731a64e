"""The month's budget against actual cost as a PDF (WeasyPrint), in Chinese whatever the reader's language:
the managers' monthly report, also e-mailed on the 2nd of each month (insight.tasks)."""

from __future__ import annotations

import weasyprint
from django.conf import settings
from django.template.loader import render_to_string
from django.utils import timezone, translation

from repairs.models import ProductCategory

from .budget_selectors import budget_report, category_rows

REPORT_LANGUAGE = "zh-hans"


def budget_pdf(*, month, category=None, region=None, drafts: bool = False, now=None) -> bytes:
    report = budget_report(month=month, category=category, region=region, drafts=drafts)
    categories = list(ProductCategory.objects.order_by("sort_order", "code"))
    context = {
        "report": report,
        "category_rows": category_rows(report, categories),
        "category": category,
        "region": region,
        "drafts": drafts,
        "printed_at": timezone.localtime(now or timezone.now()),
    }
    with translation.override(REPORT_LANGUAGE):
        html = render_to_string("insight/pdf/budget_month.html", context)
    base_url = (settings.BASE_DIR / "static").as_uri() + "/"
    return weasyprint.HTML(string=html, base_url=base_url).write_pdf()
