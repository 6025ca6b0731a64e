"""Settlement exports: a statement as CSV or XLSX (the same rows as the PDF), a month's summary as CSV, and
a month's statement PDFs as one zip, built by a worker into the "exports" storage (var/exports on the local
disk, or an object store: aftersales.storage) and served when it is current.

CSV is UTF-8 with a byte-order mark so that Excel on a Chinese Windows opens it without mojibake; amounts
are written as the exact 2-place decimals (never floats), in XLSX as numbers shown grouped (#,##0.00)."""

from __future__ import annotations

import hashlib
import io
import tempfile
import zipfile
from decimal import Decimal
from functools import partial

from django.core.cache import cache
from django.core.files import File
from django.core.files.storage import storages
from django.db import transaction
from django.utils import translation
from django.utils.translation import gettext as _

from aftersales.spreadsheets import SafeWriter
from aftersales.spreadsheets import row as safe_row
from network.models import Settlement
from settlement.pdf import STATEMENT_LANGUAGE, statement_context, statement_pdf
from settlement.tasks import settlement_pdf_build, settlements_zip_build
from settlement.templatetags.settlement import adjustment_reference


def file_stem(settlement: Settlement) -> str:
    return f"settlement-{settlement.center.code}-{settlement.month:%Y-%m}"


def _line_rows(settlement: Settlement):
    context = statement_context(settlement)
    for line in context["lines"]:
        call = line.work_order.call
        region = call.service_region
        yield [
            f"{line.closed_on:%Y-%m-%d}",
            line.work_order.number,
            f"{region.parent.name if region and region.parent else ''}{region.name if region else ''}",
            f"{call.unit.model.category.name} {call.unit.model.model_number}",
            line.get_kind_display(),
            line.get_service_kind_display(),
            line.note,
            line.amount,
        ]
    for adjustment in context["adjustments"]:
        yield [
            "",
            adjustment_reference(adjustment),
            "",
            "",
            adjustment.get_kind_display(),
            "",
            adjustment.reason,
            adjustment.amount,
        ]


def _headers() -> list[str]:
    return [
        _("Closed on"),
        _("Work order / reference"),
        _("Customer district"),
        _("Product"),
        _("Item"),
        _("Service kind"),
        _("Note"),
        _("Amount (CNY)"),
    ]


def statement_csv(settlement: Settlement, out) -> None:
    with translation.override(STATEMENT_LANGUAGE):
        writer = SafeWriter(out)
        writer.writerow([settlement.number, settlement.center.name, f"{settlement.month:%Y-%m}"])
        writer.writerow(_headers())
        for row in _line_rows(settlement):
            writer.writerow(row)
        writer.writerow(["", "", "", "", "", "", _("Total"), settlement.total_amount])


def statement_xlsx(settlement: Settlement) -> bytes:

    # A heavy library, loaded only when a document is made.
    from openpyxl import Workbook
    from openpyxl.styles import Font

    with translation.override(STATEMENT_LANGUAGE):
        book = Workbook()
        sheet = book.active
        sheet.title = f"{settlement.month:%Y-%m}"
        sheet.append([settlement.number, settlement.center.name, f"{settlement.month:%Y-%m}"])
        sheet.append(_headers())
        for cell in sheet[2]:
            cell.font = Font(bold=True)
        for values in _line_rows(settlement):
            sheet.append(safe_row(values))  # no text cell runs as a formula
        sheet.append(["", "", "", "", "", "", _("Total"), settlement.total_amount])
        sheet[sheet.max_row][7].font = Font(bold=True)
        for row in sheet.iter_rows(min_row=3, min_col=8, max_col=8):
            for cell in row:
                if isinstance(cell.value, Decimal):
                    cell.number_format = "#,##0.00"  # grouped on screen, a number in the cell
        for column, width in zip("ABCDEFGH", (12, 22, 18, 22, 20, 14, 30, 12), strict=True):
            sheet.column_dimensions[column].width = width
        buffer = io.BytesIO()
        book.save(buffer)
    return buffer.getvalue()


def month_csv(settlements, writer) -> None:
    with translation.override(STATEMENT_LANGUAGE):
        writer.writerow(
            [
                _("Statement"),
                _("Code"),
                _("Service centre"),
                _("Level"),
                _("Region"),
                _("Work orders (CNY)"),
                _("Adjustments (CNY)"),
                _("Total (CNY)"),
                _("Status"),
                _("Bank"),
                _("Account name"),
                _("Account number"),
            ]
        )
        for s in settlements:
            region = s.center.region
            writer.writerow(
                [
                    s.number,
                    s.center.code,
                    s.center.name,
                    s.get_center_level_display(),
                    f"{region.parent.name if region.parent else ''}{region.name}",
                    s.lines_amount,
                    s.adjustments_amount,
                    s.total_amount,
                    s.get_status_display(),
                    s.center.bank_name,
                    s.center.bank_account_name,
                    s.center.bank_account,
                ]
            )


def export_storage():
    return storages["exports"]


def _fingerprint(ids) -> str:
    """Changes whenever one of the statements could print differently: recomputed, adjusted or a dispute
    answered (the totals), confirmed, paid, the centre's bank account changed."""
    rows = (
        Settlement.objects.filter(pk__in=ids)
        .order_by("pk")
        .values_list(
            "pk",
            "status",
            "computed_at",
            "lines_amount",
            "adjustments_amount",
            "center__name",
            "center__bank_name",
            "center__bank_account_name",
            "center__bank_account",
        )
    )
    return hashlib.sha256(repr(list(rows)).encode()).hexdigest()[:20]


def zip_name(month, ids) -> str:
    """The zip's name in the export storage: it changes whenever one of its statements would print
    differently, so a file of that name is current."""
    return f"settlements-{month:%Y-%m}-{_fingerprint(ids)}.zip"


def pdf_name(settlement: Settlement) -> str:
    return f"{file_stem(settlement)}-{_fingerprint([settlement.pk])}.pdf"


def _ask_once(name: str, task, *args) -> bool:
    """Queues `task` for the file `name` unless a worker was asked for it in the last 15 minutes."""
    if not cache.add(f"settlement-export:{name}", 1, timeout=15 * 60):
        return False
    transaction.on_commit(partial(task.delay, *args))
    return True


def _write(name: str, write) -> str:
    """`write(file)` fills a temporary file, handed whole to the export storage: a reader never sees half a
    file (on disk it is renamed into place, to an object store it is one upload)."""
    with tempfile.TemporaryFile() as out:
        write(out)
        out.seek(0)
        saved = export_storage().save(name, File(out, name=name))
    cache.delete(f"settlement-export:{name}")
    return saved


def pdf_request(settlement: Settlement) -> bool:
    """Asks a worker for one long statement's PDF, once."""

    return _ask_once(pdf_name(settlement), settlement_pdf_build, settlement.pk)


def pdf_build(settlement_id: int) -> str:

    settlement = Settlement.objects.select_related("center").get(pk=settlement_id)
    return _write(pdf_name(settlement), lambda out: out.write(statement_pdf(settlement)))


def zip_request(month, ids) -> bool:
    """Asks a worker for the month's zip once (a second request while it is being built adds nothing)."""

    return _ask_once(zip_name(month, ids), settlements_zip_build, f"{month:%Y-%m}", sorted(ids))


def zip_build(month, ids) -> str:
    """Every statement of the month's selection, rendered into one zip."""

    settlements = Settlement.objects.filter(pk__in=ids).select_related("center").order_by("center__code")

    def write(out):
        with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as archive:
            for settlement in settlements:
                archive.writestr(f"{file_stem(settlement)}.pdf", statement_pdf(settlement))

    return _write(zip_name(month, ids), write)
