"""三包 as pure functions: facts + policy (+ the rest-day calendar) → an explained decision.

No ORM, no clock: the same facts always give the same decision, and thousands run in milliseconds.

Sources: 《部分商品修理更换退货责任规定》 (1995) arts. 6–14;
《移动电话机商品修理更换退货责任规定》; Civil Code arts. 201–203; the makers' policies (a phone maker's, an air-conditioner maker's).
Where a maker's policy is more generous than the national minimum the policy wins; where it is stricter,
the national minimum wins (`effective_policy`).
"""

from __future__ import annotations

import calendar
import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from decimal import ROUND_HALF_UP, Decimal

# Remedies, strongest first.
RETURN, EXCHANGE, FREE_REPAIR, PAID_REPAIR = "return", "exchange", "free_repair", "paid_repair"
STRENGTH = {RETURN: 3, EXCHANGE: 2, FREE_REPAIR: 1, PAID_REPAIR: 0}

SELLER, MAKER, REPAIRER, CUSTOMER = "seller", "maker", "repairer", "customer"

MAIN_UNIT, MAIN_COMPONENT, ACCESSORY = "main_unit", "main_component", "accessory"

EXCLUSIONS = {
    "misuse": ("使用、维护、保管不当", "misuse, improper maintenance or storage"),
    "unauthorized_repair": ("经非授权单位拆动或修理", "opened or repaired by an unauthorised party"),
    "no_valid_proof": ("无有效三包凭证及发票", "no valid warranty proof or invoice"),
    "model_mismatch": (
        "凭证型号与产品不符或被涂改",
        "the model on the proof differs from the product or was altered",
    ),
    "clearance_item": ("按处理品、特价品售出", "sold as a clearance or discounted item"),
    "voltage": (
        "电压不稳、超出范围或线路不合规造成损坏",
        "damage from unstable or out-of-range voltage or non-compliant wiring",
    ),
    "force_majeure": ("因不可抗力造成损坏", "damage from force majeure"),
    "man_made_damage": (
        "人为损坏或外观损伤（进液、破裂、划痕）",
        "man-made or cosmetic damage (liquid, cracks, scratches)",
    ),
}
DELAY_CAUSES = {"repairer", "parts_supply"}


@dataclass(frozen=True)
class Period:
    """A length of time: `value` days or months (a year is 12 months)."""

    value: int
    unit: str  # "days" | "months"

    def end(self, start: dt.date) -> dt.date:
        return period_end(start, self)

    def __str__(self) -> str:
        if self.unit == "days":
            return f"{self.value} 日"
        if self.value % 12 == 0:
            return f"{self.value // 12} 年"
        return f"{self.value} 个月"


@dataclass(frozen=True)
class ComponentTerms:
    kind: str  # main_unit | main_component | accessory
    repair: Period


@dataclass(frozen=True)
class Policy:
    category: str
    version: str
    return_days: int
    exchange_days: int
    components: dict[str, ComponentTerms]
    parts_supply_limit_days: int
    no_invoice_start: Period  # added to the factory date when there is no invoice
    depreciation_rate_per_day: Decimal  # fraction of the price per day of use, e.g. Decimal("0.005")
    holiday_extension: bool = False  # Civil Code art. 203 applied to period ends (phones)
    repairer_delay_limit_days: int = 30
    repair_guarantee_days: int = 30
    # A refurbished unit (翻新机) is sold as such: the maker's refurbished warranty, free repair of the whole
    # unit for this period, and no return or exchange period.
    refurbished_warranty: Period = Period(6, "months")


@dataclass(frozen=True)
class RepairRecord:
    sent_on: dt.date
    returned_on: dt.date | None = None  # None while still in repair
    fixed: bool = True
    performance_fault: bool = True
    same_fault: bool = False  # it was for the fault reported now
    delay_cause: str | None = None  # None | "repairer" | "parts_supply"


@dataclass(frozen=True)
class Facts:
    category: str
    component: str
    report_date: dt.date
    sale_date: dt.date | None = None
    invoice_date: dt.date | None = None
    factory_date: dt.date | None = None
    performance_fault: bool = True
    repairs: tuple[RepairRecord, ...] = ()
    exclusions: tuple[str, ...] = ()
    exchanged_on: dt.date | None = None
    extended_warranty_until: dt.date | None = None
    price: Decimal | None = None
    same_model_available: bool = True
    refurbished: bool = False
    # A maintenance contract (保养合同, service type B) in force on the report date: its number, last day and
    # what it pays ("labour", "parts" or "both"; None when its yearly cap is used up).
    contract_number: str | None = None
    contract_until: dt.date | None = None
    contract_covers: str | None = None


@dataclass(frozen=True)
class Reason:
    rule: str
    zh: str
    en: str


@dataclass(frozen=True)
class Decision:
    verdict: str
    options: tuple[str, ...]
    coverage_start: dt.date | None
    return_until: dt.date | None
    exchange_until: dt.date | None
    repair_until: dt.date | None
    liable: str
    refund_amount: Decimal | None
    reasons: tuple[Reason, ...]
    policy_version: str


class FactsError(ValueError):
    """Facts the engine cannot decide on: {field: [message, ...]} in Chinese."""

    def __init__(self, errors: dict[str, list[str]]):
        super().__init__(errors)
        self.errors = errors


# --- counting (Civil Code arts. 201–203) ---------------------------------------------------------------


def add_months(start: dt.date, months: int) -> dt.date:
    """The corresponding day `months` later, or that month's last day when there is none."""
    month_index = start.month - 1 + months
    year, month = start.year + month_index // 12, month_index % 12 + 1
    return dt.date(year, month, min(start.day, calendar.monthrange(year, month)[1]))


def period_end(start: dt.date, period: Period) -> dt.date:
    """Last day of a period starting on `start`; the start day itself is not counted (art. 201)."""
    if period.unit == "days":
        return start + dt.timedelta(days=period.value)
    if period.unit == "months":
        return add_months(start, period.value)
    raise ValueError(f"unknown period unit {period.unit!r}")


def roll_past_rest_days(day: dt.date, rest_days: frozenset[dt.date]) -> dt.date:
    """Art. 203: a last day on a statutory rest day moves to the day after the rest days end."""
    while day in rest_days:
        day += dt.timedelta(days=1)
    return day


# --- national minimum ------------------------------------------------------------------------------------

NATIONAL_MINIMUM = {
    # category: (return days, exchange days, {component: repair period}, parts-supply limit days)
    "mobile_phone": (
        7,
        15,
        {
            "main_unit": Period(12, "months"),
            "battery": Period(6, "months"),
            "charger": Period(12, "months"),
            "earphones": Period(3, "months"),
        },
        60,
    ),
    "air_conditioner": (7, 15, {"main_unit": Period(12, "months"), "compressor": Period(36, "months")}, 90),
    "refrigerator": (7, 15, {"main_unit": Period(12, "months"), "compressor": Period(36, "months")}, 90),
    "washing_machine": (7, 15, {"main_unit": Period(12, "months"), "motor": Period(36, "months")}, 90),
}


def _longer(a: Period, b: Period) -> Period:
    probe = dt.date(2001, 1, 31)  # a month end, so month periods are compared at their shortest
    return a if period_end(probe, a) >= period_end(probe, b) else b


_EFFECTIVE: dict[tuple, Policy] = {}
_BY_IDENTITY: dict[int, tuple[Policy, Policy]] = {}


def _policy_key(policy: Policy) -> tuple:
    return (
        policy.category,
        policy.version,
        policy.return_days,
        policy.exchange_days,
        tuple(sorted(policy.components.items(), key=lambda item: item[0])),
        policy.parts_supply_limit_days,
        policy.no_invoice_start,
        policy.depreciation_rate_per_day,
        policy.holiday_extension,
        policy.repairer_delay_limit_days,
        policy.repair_guarantee_days,
        policy.refurbished_warranty,
    )


def effective_policy(policy: Policy) -> Policy:
    """`_effective_policy`, remembered per distinct policy (a pure function of its value)."""
    seen = _BY_IDENTITY.get(id(policy))
    if seen is not None and seen[0] is policy:
        return seen[1]
    key = _policy_key(policy)
    found = _EFFECTIVE.get(key)
    if found is None:
        found = _EFFECTIVE[key] = _effective_policy(policy)
    if len(_BY_IDENTITY) > 256:  # bounded: a web process builds a new Policy per request
        _BY_IDENTITY.clear()
        _EFFECTIVE.clear()
    _BY_IDENTITY[id(policy)] = (policy, found)
    return found


def _effective_policy(policy: Policy) -> Policy:
    """The policy with every term at least as good for the customer as the national minimum."""
    minimum = NATIONAL_MINIMUM.get(policy.category)
    if minimum is None:
        return policy
    return_days, exchange_days, periods, parts_limit = minimum
    components = {
        code: replace(terms, repair=_longer(terms.repair, periods[code])) if code in periods else terms
        for code, terms in policy.components.items()
    }
    return replace(
        policy,
        return_days=max(policy.return_days, return_days),
        exchange_days=max(policy.exchange_days, exchange_days),
        components=components,
        parts_supply_limit_days=min(policy.parts_supply_limit_days, parts_limit),
    )


# --- validation ------------------------------------------------------------------------------------------


def check_facts(facts: Facts, policy: Policy | None) -> None:
    errors: dict[str, list[str]] = {}

    def add(name: str, message: str) -> None:
        errors.setdefault(name, []).append(message)

    if policy is None:
        add("category", f"未知的产品品类：{facts.category}")
    elif facts.component not in policy.components:
        known = "、".join(sorted(policy.components))
        add("component", f"品类 {facts.category} 没有部件 {facts.component}（可选：{known}）")
    for name in ("sale_date", "invoice_date", "factory_date"):
        day = getattr(facts, name)
        if day is not None and day > facts.report_date:
            label = {"sale_date": "销售日期", "invoice_date": "发票日期", "factory_date": "出厂日期"}[name]
            add(name, f"{label}不能晚于报修日期")
    if facts.invoice_date and facts.factory_date and facts.invoice_date < facts.factory_date:
        add("invoice_date", "发票日期不能早于出厂日期")
    if facts.sale_date and facts.factory_date and facts.sale_date < facts.factory_date:
        add("sale_date", "销售日期不能早于出厂日期")
    if facts.exchanged_on is not None and facts.exchanged_on > facts.report_date:
        add("exchanged_on", "换货日期不能晚于报修日期")
    for index, repair in enumerate(facts.repairs):
        if repair.returned_on is not None and repair.returned_on < repair.sent_on:
            add(f"repairs[{index}].returned_on", "取回日期不能早于送修日期")
        if repair.sent_on > facts.report_date:
            add(f"repairs[{index}].sent_on", "送修日期不能晚于报修日期")
        if repair.delay_cause is not None and repair.delay_cause not in DELAY_CAUSES:
            add(f"repairs[{index}].delay_cause", "延误原因只能是 repairer 或 parts_supply")
    unknown = [e for e in facts.exclusions if e not in EXCLUSIONS]
    if unknown:
        add("exclusions", f"未知的除外情形：{'、'.join(unknown)}")
    if facts.price is not None and facts.price < 0:
        add("price", "价格不能为负数")
    if errors:
        raise FactsError(errors)


# --- the decision ----------------------------------------------------------------------------------------

CENT = Decimal("0.01")


def _days_in_repair(repair: RepairRecord, report_date: dt.date) -> int:
    return ((repair.returned_on or report_date) - repair.sent_on).days


@dataclass
class _Draft:
    options: set[str] = field(default_factory=set)
    liable_by_option: dict[str, str] = field(default_factory=dict)
    reasons: list[Reason] = field(default_factory=list)
    refund: Decimal | None = None
    # A return deducting depreciation is not at no charge: it stays an option, never the verdict.
    return_free: bool = False

    def offer(self, option: str, liable: str) -> None:
        self.options.add(option)
        # The first reason that offers an option names who pays for it.
        self.liable_by_option.setdefault(option, liable)

    def why(self, rule: str, zh: str, en: str) -> None:
        self.reasons.append(Reason(rule, zh, en))


def decide(facts: Facts, policy: Policy | None, rest_days: Iterable[dt.date] = frozenset()) -> Decision:
    """The 三包 decision for one report. Raises FactsError for facts that cannot be decided on."""
    check_facts(facts, policy)
    assert policy is not None
    policy = effective_policy(policy)
    rest_days = frozenset(rest_days)
    terms = policy.components[facts.component]
    draft = _Draft()

    def close(day: dt.date | None) -> dt.date | None:
        if day is None or not policy.holiday_extension:
            return day
        return roll_past_rest_days(day, rest_days)

    # 1. Start.
    if facts.invoice_date is not None:
        start, with_invoice = facts.invoice_date, True
    elif facts.factory_date is not None:
        start, with_invoice = period_end(facts.factory_date, policy.no_invoice_start), False
        draft.why(
            "start.no_invoice",
            f"无发票：三包期自出厂日期起加 {policy.no_invoice_start} 计算（{start}），且仅享受免费修理",
            f"No invoice: the period starts {policy.no_invoice_start.value} {policy.no_invoice_start.unit} after "
            f"the factory date ({start}), and only free repair applies",
        )
    else:
        start, with_invoice = None, False

    # 9. Not covered: paid repair, whatever the dates say.
    if facts.exclusions:
        for code in facts.exclusions:
            zh, en = EXCLUSIONS[code]
            draft.why(
                f"exclusion.{code}", f"不属于三包范围：{zh}，实行收费修理", f"Not covered: {en}; paid repair"
            )
        return _finish(facts, policy, draft, start, None, None, None)
    if start is None:
        draft.why(
            "start.none",
            "既无发票也无出厂日期，无法确定三包起始日，实行收费修理",
            "Neither invoice nor factory date: no 三包 coverage can be established; paid repair",
        )
        return _finish(facts, policy, draft, None, None, None, None)

    if facts.refurbished and terms.kind == MAIN_UNIT:
        terms = replace(terms, repair=policy.refurbished_warranty)
        with_invoice = False  # no return or exchange period for a unit sold as refurbished
        draft.why(
            "refurbished",
            f"翻新机：按厂家翻新机保修，整机免费修理 {policy.refurbished_warranty}，不适用退货、换货",
            f"A refurbished unit: the maker's refurbished warranty, free repair of the whole unit for "
            f"{policy.refurbished_warranty.value} {policy.refurbished_warranty.unit}, no return or exchange",
        )

    # 2./7. The windows: return and exchange from the sale, the repair period from the sale or the exchange.
    is_product = terms.kind in (MAIN_UNIT, MAIN_COMPONENT)
    return_until = (
        close(period_end(start, Period(policy.return_days, "days"))) if with_invoice and is_product else None
    )
    exchange_until = (
        close(period_end(start, Period(policy.exchange_days, "days")))
        if with_invoice and is_product
        else None
    )
    repair_start = facts.exchanged_on if facts.exchanged_on and facts.exchanged_on > start else start
    repair_until = period_end(repair_start, terms.repair)
    if repair_start != start:
        draft.why(
            "exchange.restart",
            f"换货后的产品自换货之日（{repair_start}）起重新计算三包有效期",
            f"A unit received in exchange starts a new repair period on the exchange date ({repair_start})",
        )

    # 6. Days in repair extend the repair period (repairs of this unit since the period started).
    repairs = sorted((r for r in facts.repairs if r.sent_on >= repair_start), key=lambda r: r.sent_on)
    extension = 0
    for repair in repairs:
        if repair.sent_on <= repair_until + dt.timedelta(days=extension):
            extension += _days_in_repair(repair, facts.report_date)
    if extension:
        draft.why(
            "period.repair_days",
            f"修理占用的 {extension} 日不计入三包有效期，有效期相应顺延",
            f"The {extension} days spent in repair do not count: the repair period is extended by as many days",
        )
    repair_until = close(repair_until + dt.timedelta(days=extension))
    report = facts.report_date
    # A report before a conventional start (no invoice) is a fault of a new product: covered.
    in_period = report <= repair_until

    # 3. Return / exchange / repair windows for a performance fault.
    if facts.performance_fault and return_until and report <= return_until:
        draft.offer(RETURN, SELLER)
        draft.offer(EXCHANGE, SELLER)
        draft.refund = facts.price
        draft.return_free = True
        draft.why(
            "window.return",
            f"售出 {policy.return_days} 日内发生性能故障，可选择退货、换货或修理",
            f"A performance fault within {policy.return_days} days of sale: return, exchange or repair, "
            "at the customer's choice",
        )
    elif facts.performance_fault and exchange_until and report <= exchange_until:
        draft.offer(EXCHANGE, SELLER)
        draft.why(
            "window.exchange",
            f"售出 {policy.exchange_days} 日内发生性能故障，可选择换货或修理",
            f"A performance fault within {policy.exchange_days} days of sale: exchange or repair",
        )

    if in_period:
        # 5. Repair too long.
        if with_invoice and is_product:
            for repair in repairs:
                days = _days_in_repair(repair, report)
                if repair.delay_cause == "repairer" and days > policy.repairer_delay_limit_days:
                    draft.offer(EXCHANGE, REPAIRER)
                    draft.why(
                        "delay.repairer",
                        f"因修理者自身原因，自送修之日（{repair.sent_on}）起超过 {policy.repairer_delay_limit_days} "
                        f"日未修好（{days} 日），可免费换货，费用由修理者承担",
                        f"Not repaired {days} days after it was sent in ({repair.sent_on}), more than "
                        f"{policy.repairer_delay_limit_days}, for the repairer's own reasons: free exchange at the "
                        "repairer's cost",
                    )
                if repair.delay_cause == "parts_supply" and days > policy.parts_supply_limit_days:
                    draft.offer(EXCHANGE, MAKER)
                    draft.why(
                        "delay.parts_supply",
                        f"因生产者未供应零配件，自送修之日（{repair.sent_on}）起超过 {policy.parts_supply_limit_days} "
                        f"日未修好（{days} 日），由销售者免费换货",
                        f"Not repaired {days} days after it was sent in ({repair.sent_on}), more than "
                        f"{policy.parts_supply_limit_days}, because the maker supplied no parts: free exchange",
                    )
        # 4. Two repairs and still not working.
        done = [r for r in repairs if r.returned_on is not None and r.performance_fault]
        if with_invoice and is_product and facts.performance_fault and len(done) >= 2:
            draft.offer(EXCHANGE, SELLER)
            draft.offer(RETURN, SELLER)
            used = max((report - start).days - sum(_days_in_repair(r, report) for r in repairs), 0)
            deducts = facts.same_model_available and policy.depreciation_rate_per_day > 0 and used > 0
            if draft.refund is None:
                draft.return_free = not deducts
                if facts.price is not None:
                    deduction = (
                        facts.price * policy.depreciation_rate_per_day * used if deducts else Decimal("0")
                    )
                    draft.refund = min(max(facts.price - deduction, Decimal("0")), facts.price)
            rate = f"{policy.depreciation_rate_per_day * 100:g}%"
            if not facts.same_model_available:
                zh_tail, en_tail = "；无同型号产品可换，全额退货", "; no same model to exchange: full refund"
            elif deducts:
                zh_tail = f"；如选择退货，按每日 {rate} 扣除 {used} 日折旧费，故免费的补救是换货"
                en_tail = (
                    f"; a return deducts depreciation of {rate} a day for {used} days of use, so the remedy at "
                    "no charge is an exchange"
                )
            else:
                zh_tail, en_tail = "", ""
            draft.why(
                "two_repairs",
                f"三包有效期内已修理 {len(done)} 次仍不能正常使用，可免费换货或退货" + zh_tail,
                f"Repaired {len(done)} times within the period and still not working: free exchange or return"
                + en_tail,
            )
        draft.offer(FREE_REPAIR, MAKER)
        if not draft.reasons or all(
            r.rule.startswith(("start.", "period.", "exchange.", "refurbished")) for r in draft.reasons
        ):
            label = {MAIN_UNIT: "整机", MAIN_COMPONENT: "主要部件", ACCESSORY: "附件"}[terms.kind]
            draft.why(
                "period.repair",
                f"在{label}三包有效期（{terms.repair}，至 {repair_until}）内，免费修理（含零件和工时）",
                f"Within the repair period ({terms.repair.value} {terms.repair.unit}, until {repair_until}): "
                "free repair, parts and labour",
            )
    else:
        # 8. A repair is guaranteed for 30 days.
        for repair in repairs + [r for r in facts.repairs if r.sent_on < repair_start]:
            if (
                repair.returned_on is not None
                and repair.same_fault
                # From the day the product comes back (a fault that day is within the guarantee too)
                # to 30 days after it, the first day not counted (Civil Code art. 201).
                and repair.returned_on
                <= report
                <= repair.returned_on + dt.timedelta(days=policy.repair_guarantee_days)
            ):
                draft.offer(FREE_REPAIR, REPAIRER)
                draft.why(
                    "repair.guarantee",
                    f"同一故障在修复（{repair.returned_on}）后 {policy.repair_guarantee_days} 日内再次出现，免费修理",
                    f"The same fault came back within {policy.repair_guarantee_days} days of the repair "
                    f"({repair.returned_on}): free repair",
                )
                break
        # 10. Extended warranty.
        if (
            FREE_REPAIR not in draft.options
            and facts.extended_warranty_until is not None
            and report <= facts.extended_warranty_until
        ):
            draft.offer(FREE_REPAIR, MAKER)
            draft.why(
                "extended_warranty",
                f"三包有效期已过，延保合同有效至 {facts.extended_warranty_until}，免费修理（不退不换）",
                f"Past the statutory period, the extended warranty runs until {facts.extended_warranty_until}: "
                "free repair (no return or exchange)",
            )
        # 11. A maintenance contract pays what it covers; what it does not is quoted as paid work.
        if FREE_REPAIR not in draft.options and facts.contract_number and facts.contract_until:
            _contract(facts, draft, report)
        if not draft.options:
            draft.why(
                "period.expired",
                f"已超过三包有效期（至 {repair_until}），实行收费修理",
                f"The repair period ended on {repair_until}: paid repair",
            )
    return _finish(facts, policy, draft, start, return_until, exchange_until, repair_until)


CONTRACT_PAYS = {
    "both": ("人工和配件", "labour and parts"),
    "labour": ("人工（配件按有偿服务报价）", "labour (parts are quoted as paid work)"),
    "parts": ("配件（人工按有偿服务报价）", "parts (labour is quoted as paid work)"),
}


def _contract(facts: Facts, draft: _Draft, report: dt.date) -> None:
    number, until = facts.contract_number, facts.contract_until
    if report > until:
        return
    if facts.contract_covers is None:  # the contract year's cap is used up
        zh, en = (
            "本年度的支付上限已用完，本次按有偿服务报价",
            "has used up this year's cap: quoted as paid work",
        )
        draft.why(
            "maintenance_contract.cap", f"保养合同 {number}（至 {until}）{zh}", f"Contract {number} {en}"
        )
        return
    zh, en = CONTRACT_PAYS[facts.contract_covers]
    if facts.contract_covers == "both":
        draft.offer(FREE_REPAIR, MAKER)
    draft.why(
        "maintenance_contract",
        f"保养合同 {number} 有效至 {until}，合同支付{zh}",
        f"Maintenance contract {number} runs until {until} and pays {en}",
    )


def _finish(facts, policy, draft: _Draft, start, return_until, exchange_until, repair_until) -> Decision:
    if not draft.options:
        draft.offer(PAID_REPAIR, CUSTOMER)
    options = tuple(sorted(draft.options, key=lambda o: -STRENGTH[o]))
    # The verdict is the strongest remedy the customer can demand at no charge.
    verdict = next(o for o in options if o != RETURN or draft.return_free)
    refund = None
    if RETURN in options and draft.refund is not None:
        refund = draft.refund.quantize(CENT, rounding=ROUND_HALF_UP)
    return Decision(
        verdict=verdict,
        options=options,
        coverage_start=start,
        return_until=return_until,
        exchange_until=exchange_until,
        repair_until=repair_until,
        liable=draft.liable_by_option[verdict],
        refund_amount=refund,
        reasons=tuple(draft.reasons),
        policy_version=policy.version,
    )
