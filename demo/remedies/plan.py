"""What the remedies demo plays, as data: the whole units in stock, the sales the dealers registered, the
requests and out-of-box checks made on them, and how each unit taken back went through refurbishment.

Days are counted back from the day the demo is seeded; every story sits in the last three months."""

from __future__ import annotations

from dataclasses import dataclass, field

# Whole units (整机) received from the factory 86 days ago: the maker's central warehouse and the stock of
# three dealers (model number, how many). The Siemens washer is out of stock until the delivery 27 days ago.
CENTRAL_STOCK = [
    ("24031PN0DC", 4),  # Xiaomi 14
    ("23117RK66C", 3),  # Redmi K70
    ("V2339A", 2),  # vivo S18
    ("ALN-AL00", 2),  # Mate 60 Pro
    ("KFR-35GW/NhGc1B", 3),  # 格力 1.5 匹挂机
    ("BCD-470WDPG", 2),  # 海尔 470 升
    ("EG100MATE2S", 2),  # 海尔 10 公斤滚筒
]
DEALER_STOCK = {
    "D001": [("V2339A", 3), ("24031PN0DC", 2), ("KFR-35GW/N8XHC1", 2)],
    "D002": [("FOA-AL00", 3), ("PJV110", 2)],
    "D003": [("EG100MATE2S", 2), ("BCD-508WKPZM(E)", 2)],
}
STOCK_DAYS = 86
LATE_DELIVERY = ("WG54A1A00W", 2, 27)  # (model, units, days ago): what request W1 waited for
FIRST_RECEIPT = "RK-DEMO-ZJ-CW"  # the first receipt's reference: the remedies demo is there
UNIT_COST_SHARE = "0.72"  # whole units are received at 72 % of the list price


@dataclass(frozen=True)
class Sale:
    """A sale a dealer registered (a new buyer, a unit with its invoice), `sold` days ago."""

    key: str
    dealer: str
    model: str
    sold: int
    price: str = "1.00"  # share of the list price on the invoice


@dataclass(frozen=True)
class Story:
    """A remedy request opened `opened` days ago at `hour`:`minute` by `by`, then its steps in order.

    A step is (what, when, who, detail): what is approve / reject / cancel / exchange / refund / wait (the
    exchange found no stock); when is a number of hours after the step before, or "next" (the next working
    day at 10:15, and before now); who a login key of the demo (see people in world.py)."""

    key: str
    opened: int | None  # None: worked out by the story (an overdue approval, a repair history)
    by: str
    remedy: str
    note: str
    hour: tuple[int, int] = (10, 20)
    missing: tuple[str, ...] = ()  # checklist codes not ticked
    override: str = ""  # why the missing documents are accepted (a supervisor's)
    steps: tuple = ()


@dataclass(frozen=True)
class Doa:
    """An out-of-box check recorded `checked` days ago, at the dealer, by `by`, confirmed by a centre's
    technician; items not passed leave it rejected."""

    key: str
    checked: int
    by: str
    center: str
    fault: str
    missing: tuple[str, ...] = ()
    hour: tuple[int, int] = (11, 5)


@dataclass
class Refurb:
    """How a unit taken back goes through refurbishment: steps (what, days after it came in, detail)."""

    steps: list = field(default_factory=list)


SALES = [
    Sale("A1", "D001", "24031PN0DC", 79),
    Sale("DOA1", "D001", "V2339A", 66),
    Sale("B1", "D003", "EG100MATE2S", 62, "0.95"),
    Sale("CX", "D007", "FLX10N4W", 56),
    Sale("A2", "D001", "KFR-35GW/NhGc1B", 52, "0.95"),
    Sale("DOA3", "D003", "BCD-508WKPZM(E)", 41),
    Sale("W1", "D006", "WG54A1A00W", 40, "0.90"),
    Sale("RJ", "D008", "ALN-AL00", 120),
    Sale("B2", "D001", "23117RK66C", 23),
    Sale("DOA2", "D002", "FOA-AL00", 19),
    Sale("A3", "D001", "V2339A", 15),
    Sale("Q1", "D001", "KFR-35GW/N8XHC1", 13),
    Sale("DOA4", "D002", "PJV110", 10),
    Sale("W2", "D004", "BCD-650WDCAU1", 9, "0.95"),
    Sale("AP", "D005", "BCD-470WDPG", 6),
    Sale("Q2", "D005", "MG100V11F", 400),
    # Two repairs and still failing, when the demo's own history has no such unit (a small demo).
    Sale("C1", "D004", "V2309A", 150),
    Sale("C2", "D006", "BCD-321WTPZM(E)", 200),
]

STORIES = [
    Story(
        "A1", 70, "dispatcher", "exchange", "开机后频繁死机重启，恢复出厂设置无效",
        steps=(("exchange", 3, "dispatcher", "central"),),
    ),
    Story(
        "B1", 58, "dispatcher", "return", "洗涤时异响很大，脱水时机身剧烈晃动",
        steps=(("refund", 20, "dispatcher", ("bank_transfer", "招行转账 2026")),),
    ),
    Story(
        "CX", 48, "dispatcher", "exchange", "进水后不启动，显示 E10",
        steps=(("cancel", 4, "dispatcher", "客户同意上门维修，不再换货"),),
    ),
    Story(
        "A2", 44, "supervisor", "exchange", "安装后制冷效果差，检测为系统内漏", hour=(15, 40),
        steps=(("exchange", 18, "supervisor", "central"),),
    ),
    Story(
        "W1", 31, "dispatcher", "exchange", "启动后门锁报错 F17，无法洗涤",
        steps=(("wait", 1, "dispatcher", "central"), ("exchange", 5 * 24 + 2, "dispatcher", "central")),
    ),
    Story(
        "RJ", 30, "supervisor_cd", "exchange", "信号时有时无，客户要求换新机",
        steps=(("reject", "next", "manager", "在三包有效期内，按规定免费修理；不符合换货条件"),),
    ),
    Story(
        "B2", 20, "dealer", "return", "充电时机身发烫，电量掉得很快", hour=(16, 10),
        steps=(("refund", 1, "dealer", ("wechat", "")),),
    ),
    Story(
        "A3", 6, "dealer", "exchange", "屏幕出现绿线，重启后仍在", hour=(14, 30),
        steps=(("exchange", 1, "dealer", "dealer"),),
    ),
    Story(
        "Q1", None, "supervisor", "exchange", "内机漏水，压缩机启停频繁",
        missing=("invoice_or_card",), override="发票遗失，经销商销售系统可查到该笔销售记录",
    ),
    Story(
        "W2", 4, "dispatcher", "exchange", "冷藏室不制冷，冷冻室结霜严重",
        steps=(("wait", 2, "dispatcher", "central"),),
    ),
    Story(
        "AP", 4, "supervisor_nb", "return", "冷藏室温度降不下来，压缩机一直运转", hour=(9, 40),
        missing=("invoice_or_card",), override="发票在单位报销，客户出示了电子发票截图",
        steps=(("approve", "next", "manager", "电子发票信息与销售记录一致，同意退货"),),
    ),
    Story(
        "Q2", 1, "supervisor_nb", "exchange", "使用 13 个月主板烧毁，老客户第三次报修，申请特批换新",
        hour=(9, 50),
    ),
]  # fmt: skip

# Two repairs and still failing: one approved and exchanged, one waiting for the manager.
TWO_REPAIRS = [
    Story(
        "C1", None, "dispatcher", "exchange", "两次维修后仍然自动关机",
        steps=(("approve", "next", "manager", "两次维修记录齐全，同意换货"), ("exchange", 24, "dispatcher", "central")),
    ),
    Story("C2", None, "dispatcher", "exchange", "修过两次仍不制冷，客户要求换货", hour=(15, 5)),
]  # fmt: skip

DOA_CHECKS = [
    Doa("DOA1", 65, "dealer", "GD-GZ-01", "开箱开机即黑屏，无法进入系统"),
    Doa("DOA3", 39, "dispatcher", "GD-FS-01", "通电后冷藏室灯不亮，压缩机不启动", missing=("no_damage",)),
    Doa("DOA2", 17, "supervisor_sz", "GD-SZ-01", "开箱后摄像头无法对焦，拍照模糊"),
    Doa("DOA4", 8, "supervisor_sz", "GD-SZ-01", "屏幕触控失灵", missing=("no_wear",), hour=(17, 20)),
]

# The units taken back, by story: the oldest restocked or scrapped, the latest still in refurbishment.
REFURBISHMENT = {
    "A1": [("inspect", 2, ("B", "屏幕有细微划痕，其余完好")), ("repair", 4, (["PH-SCR-MI14"], "60.00")),
           ("test", 5, (True, "整机功能测试通过")), ("restock", 6, None)],
    "DOA1": [("inspect", 2, ("A", "外观全新，主板重新烧录后开机正常")), ("repair", 3, ([], "30.00")),
             ("test", 3, (True, "连续开机 48 小时无异常")), ("restock", 4, None)],
    "B1": [("inspect", 1, ("C", "外箱破损，滚筒轴承异响")), ("repair", 3, (["WM-BRG"], "120.00")),
           ("test", 4, (False, "脱水时仍有异响")), ("repair", 6, (["WM-SHK"], "60.00")),
           ("test", 7, (True, "异响消除，洗涤脱水正常")), ("restock", 8, None)],
    "A2": [("inspect", 2, ("scrap", "室内机面板碎裂，铜管压扁")),
           ("scrap", 3, "运输中严重损坏，修复成本高于残值")],
    "C1": [("inspect", 1, ("C", "后壳磨损，主板疑似虚焊")), ("repair", 3, (["PH-BAT-VV"], "80.00")),
           ("test", 4, (False, "仍会自动关机")), ("scrap", 5, "更换电池后仍自动关机，主板维修成本高于残值")],
    "D1": [("inspect", 2, ("B", "外观良好，主板已修复")), ("repair", 4, (["PH-BAT-MI"], "40.00")),
           ("test", 5, (True, "功能测试通过"))],
    "W1": [("inspect", 2, ("B", "门锁开关损坏")), ("repair", 4, (["WM-LCK"], "50.00"))],
    "B2": [("inspect", 2, ("A", "包装完好，电池检测正常"))],
}  # fmt: skip
