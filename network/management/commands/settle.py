import datetime as dt

from django.core.management.base import BaseCommand, CommandError

from network.models import ServiceCenter
from network.settlement import settlements_compute_month


class Command(BaseCommand):
    help = (
        "Creates or refreshes the draft settlements of a month (every active centre, or --center CODE) and "
        "prints one line per centre; a confirmed one is left as it is and said so."
    )

    def add_arguments(self, parser):
        parser.add_argument("--month", required=True, help="YYYY-MM")
        parser.add_argument("--center", help="a service centre's code")

    def handle(self, *args, month, center, **options):
        try:
            first = dt.datetime.strptime(month, "%Y-%m").date()
        except ValueError:
            raise CommandError(f"月份格式应为 YYYY-MM，例如 2026-10（收到：{month}）") from None
        centers = None
        if center:
            found = ServiceCenter.objects.filter(code=center).first()
            if found is None:
                raise CommandError(f"没有编码为 {center} 的服务网点")
            centers = [found]
        refused = 0
        for row_center, settlement, problems in settlements_compute_month(month=first, centers=centers):
            if settlement is None:
                refused += 1
                self.stdout.write(f"{row_center.code}\t{row_center.name}\t未结算：{'；'.join(problems)}")
                continue
            self.stdout.write(
                f"{row_center.code}\t{row_center.name}\t{settlement.get_status_display()}\t"
                f"{settlement.lines.count()} 单\t工单 {settlement.lines_amount}\t调整 {settlement.adjustments_amount}\t"
                f"合计 {settlement.total_amount}"
            )
        if refused and centers is not None:
            raise CommandError("结算未完成")
