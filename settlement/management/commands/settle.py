import datetime as dt
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from network.models import ServiceCenter
from settlement.pdf import statement_pdf
from settlement.services import month_bounds, settlements_compute_month


class Command(BaseCommand):
    help = (
        "Creates or refreshes the draft settlements of a month (every active centre, or --center CODE) and "
        "prints one line per centre (with --pdf-dir, and the statement PDF written there); a confirmed one is "
        "left as it is and said so."
    )

    def add_arguments(self, parser):
        parser.add_argument("--month", required=True, help="YYYY-MM")
        parser.add_argument("--center", help="a service centre's code")
        parser.add_argument("--pdf-dir", help="write each statement as PDF into this folder")

    def handle(self, *args, month, center, pdf_dir=None, **options):
        try:
            first = dt.datetime.strptime(month, "%Y-%m").date()
        except ValueError:
            raise CommandError(f"月份格式应为 YYYY-MM，例如 2026-10（收到：{month}）") from None
        start, _end = month_bounds(first)
        if start > timezone.now():
            raise CommandError(f"{first:%Y-%m} 尚未开始，不能结算。")
        centers = None
        if center:
            found = ServiceCenter.objects.filter(code=center).first()
            if found is None:
                raise CommandError(f"没有编码为 {center} 的服务网点")
            centers = [found]
        folder = Path(pdf_dir) if pdf_dir else None
        if folder is not None:
            folder.mkdir(parents=True, exist_ok=True)
        refused = 0
        for row_center, settlement, problems in settlements_compute_month(month=first, centers=centers):
            if settlement is None:
                refused += 1
                self.stdout.write(f"{row_center.code}\t{row_center.name}\t未结算：{'；'.join(problems)}")
                continue
            self.stdout.write(
                f"{row_center.code}\t{row_center.name}\t{settlement.get_status_display()}\t"
                f"{settlement.lines.filter(kind='service_fee').count()} 单 / {settlement.lines.count()} 行\t"
                f"明细 {settlement.lines_amount}\t调整 {settlement.adjustments_amount}\t"
                f"合计 {settlement.total_amount}"
                + (f"\t{self._pdf(settlement, folder)}" if folder is not None else "")
            )
        if refused and centers is not None:
            raise CommandError("结算未完成")

    @staticmethod
    def _pdf(settlement, folder: Path) -> Path:
        path = folder / f"settlement-{settlement.month:%Y-%m}-{settlement.center.code}.pdf"
        path.write_bytes(statement_pdf(settlement))
        return path
