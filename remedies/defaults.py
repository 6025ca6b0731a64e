"""The document checklists seeded per category and remedy, from the makers' rules (a phone maker's 15-day
exchange and out-of-box rules; an air-conditioner maker's exchange and return rules). Edited in the admin
afterwards; the seeding never overwrites an edited item."""

PHONE_EXCHANGE = [
    ("warranty_card", "原厂保修卡填写完整、无涂改"),
    ("invoice_model_imei", "发票注明型号和 IMEI 号"),
    ("dates_agree", "保修卡与发票日期一致，且在 15 日内"),
    ("seller_stamp", "保修卡上的销售商名称与发票印章一致"),
    ("owner_matches", "机主姓名、电话与登记一致"),
    ("imei_sticker", "IMEI/TA 标贴完整"),
    ("network_label", "进网许可标志完好（无进网标志不能按 15 日换货）"),
    ("no_wear", "外壳、屏幕保护膜无磨损，无人为损坏"),
    ("accessories_box", "附件齐全、包装完整"),
]
PHONE_RETURN = [*PHONE_EXCHANGE[:8], ("accessories_box", "附件齐全、包装完整（退货须全部退回）")]
PHONE_DOA = [
    ("no_wear", "屏幕保护膜、进网标志、背标及外壳无磨损"),
    ("imei_sticker", "IMEI/TA 标贴完整"),
    ("warranty_card", "保修卡各联齐全"),
    ("accessories_box", "附件齐全、包装完整"),
    ("fault_confirmed", "故障经技术员检测确认"),
]
APPLIANCE_EXCHANGE = [
    ("invoice_or_card", "购机发票或三包凭证"),
    ("model_matches", "凭证上的型号与产品一致、无涂改"),
    ("repair_records", "修理记录（两次修理仍不能正常使用的，须附两次修理记录）"),
    ("fault_confirmed", "性能故障经服务中心检测确认"),
]
APPLIANCE_RETURN = APPLIANCE_EXCHANGE
APPLIANCE_DOA = [
    ("no_damage", "外观无磕碰、无人为损坏"),
    ("accessories", "随机附件齐全"),
    ("invoice_or_card", "购机发票或三包凭证"),
    ("fault_confirmed", "开箱或安装时故障经技术员检测确认"),
]

DEFAULT_CHECKLISTS = {
    "mobile_phone": {"exchange": PHONE_EXCHANGE, "return": PHONE_RETURN, "doa": PHONE_DOA},
    **{
        code: {"exchange": APPLIANCE_EXCHANGE, "return": APPLIANCE_RETURN, "doa": APPLIANCE_DOA}
        for code in ("air_conditioner", "refrigerator", "washing_machine")
    },
}


def default_checklists_sync(ChecklistItem, ProductCategory) -> int:
    """Creates the missing default items (by category, remedy and code); returns how many were made."""
    made = 0
    for category in ProductCategory.objects.filter(code__in=DEFAULT_CHECKLISTS):
        for kind, items in DEFAULT_CHECKLISTS[category.code].items():
            for order, (code, text) in enumerate(items, start=1):
                _row, created = ChecklistItem.objects.get_or_create(
                    category=category, kind=kind, code=code, defaults={"text": text, "sort_order": order * 10}
                )
                made += created
    return made
