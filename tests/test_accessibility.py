"""Keyboard and low-vision use of the back office (WCAG 2 A/AA).

The page-structure checks read the HTML; the rest drive Debian's Chromium: the skip link as the first tab
stop, legible counts on the callback tabs, a focused unit on the intake page told apart from the picked
one, wide tables that scroll in their own box at 200 % zoom, and axe-core (bundled in the
axe-playwright-python package, so nothing is fetched at run time) over every role's main pages, the API
documentation included: no serious or critical violation."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest
from django.urls import reverse
from playwright.sync_api import Page, expect

from network.factories import ServiceCenterFactory
from repairs.factories import (
    CustomerAddressFactory,
    CustomerFactory,
    CustomerPhoneFactory,
    ProductModelFactory,
    ProductUnitFactory,
)

VIEWPORT = {"width": 1366, "height": 900}
PHONE = {"width": 390, "height": 844}
CUSTOMER = "customer-13700137000"  # the demo household on its own pages
# 200 % browser zoom of that window: half the CSS pixels, each drawn twice as large.
ZOOM_200 = {"viewport": {"width": 683, "height": 450}, "device_scale_factor": 2}

# Contrast as WCAG 2 defines it, the background composed from the element's ancestors (translucent
# fills included), as a person sees it.
CONTRAST_JS = """
(function () {
  function parse(text) {
    const parts = text.match(/[\\d.]+/g).map(Number);
    return { r: parts[0], g: parts[1], b: parts[2], a: parts.length > 3 ? parts[3] : 1 };
  }
  function over(top, bottom) {
    const a = top.a + bottom.a * (1 - top.a);
    const mix = (k) => (top[k] * top.a + bottom[k] * bottom.a * (1 - top.a)) / a;
    return { r: mix("r"), g: mix("g"), b: mix("b"), a: a };
  }
  function background(node) {
    const layers = [];
    for (let n = node; n && n.nodeType === 1; n = n.parentElement) {
      const fill = parse(getComputedStyle(n).backgroundColor);
      if (fill.a > 0) layers.push(fill);
      if (fill.a >= 1) break;
    }
    let seen = { r: 255, g: 255, b: 255, a: 1 };
    for (let i = layers.length - 1; i >= 0; i--) seen = over(layers[i], seen);
    return seen;
  }
  function luminance(c) {
    const f = (v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); };
    return 0.2126 * f(c.r) + 0.7152 * f(c.g) + 0.0722 * f(c.b);
  }
  function ratio(a, b) {
    const x = luminance(a), y = luminance(b);
    return (Math.max(x, y) + 0.05) / (Math.min(x, y) + 0.05);
  }
  window.__a11y = {
    textContrast(el) {
      const behind = background(el);
      return ratio(over(parse(getComputedStyle(el).color), behind), behind);
    },
    outline(el) {
      const style = getComputedStyle(el);
      const around = background(el.parentElement);
      return {
        style: style.outlineStyle,
        width: parseFloat(style.outlineWidth) || 0,
        contrast: ratio(over(parse(style.outlineColor), around), around),
      };
    },
    fill(el) { return getComputedStyle(el).backgroundColor; },
  };
})();
"""


# Records the form data of the last refresh of the intake page's panel once htmx has settled it (and the
# page's own handlers have moved the cursor on).
PANEL_PROBE = """
document.addEventListener("htmx:afterSettle", (event) => {
  if (event.detail.target && event.detail.target.id === "panel") {
    const config = event.detail.requestConfig || {};
    window.__panelData = config.formData ? Object.fromEntries(config.formData) : {};
  }
});
"""


class _Focusables(HTMLParser):
    """The page's focusable elements in document order, and its <main> elements' attributes."""

    def __init__(self):
        super().__init__()
        self.focusable: list[tuple[str, dict]] = []
        self.mains: list[dict] = []

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag == "main":
            self.mains.append(attributes)
        tabindex = attributes.get("tabindex")
        if tabindex is not None and tabindex.lstrip("-").isdigit() and int(tabindex) < 0:
            return
        if (
            (tag == "a" and "href" in attributes)
            or (tag in ("button", "select", "textarea"))
            or (tag == "input" and attributes.get("type") != "hidden")
            or tabindex is not None
        ):
            self.focusable.append((tag, attributes))


def _focusables(html: str) -> _Focusables:
    parser = _Focusables()
    parser.feed(html)
    return parser


# The first page each role lands on, and the login page itself.
LANDING = [
    (None, "login"),
    ("dispatcher", "repairs:register"),
    ("technician", "repairs:my_orders"),
    ("supervisor", "office:my_center"),
    ("manager", "office:dashboard"),
    ("dealer", "office:dealer_home"),
]


@pytest.mark.django_db
@pytest.mark.parametrize(("who", "name"), LANDING, ids=[name for _who, name in LANDING])
def test_every_page_starts_with_a_skip_link_to_the_main_content(client, users, who, name):
    """A keyboard user reaches the content in one step instead of tabbing through the whole header."""
    if who:
        client.force_login(users[who])
    response = client.get(reverse(name))
    assert response.status_code == 200
    page = _focusables(response.content.decode())
    tag, attributes = page.focusable[0]
    assert (tag, attributes.get("href")) == ("a", "#main"), page.focusable[0]
    # The target takes focus from the link (tabindex=-1) without becoming a tab stop itself.
    assert [(m.get("id"), m.get("tabindex")) for m in page.mains] == [("main", "-1")]


class _Images(HTMLParser):
    """Interactive elements found inside an element with role=img (which hides its content from
    assistive technology), and the accessible names of the dashboard's charts."""

    VOID = {"area", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}

    def __init__(self):
        super().__init__()
        self.open: list[tuple[str, bool]] = []
        self.hidden_interactive: list[str] = []
        self.charts: list[dict] = []
        self.links = 0

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        inside = any(is_img for _tag, is_img in self.open)
        if tag in ("a", "button", "input", "select", "textarea") and inside:
            self.hidden_interactive.append(tag)
        if "bars" in (attributes.get("class") or "").split():
            self.charts.append(attributes)
        if tag == "a" and attributes.get("href", "").startswith(reverse("repairs:register")):
            self.links += 1
        if tag not in self.VOID:
            self.open.append((tag, attributes.get("role") == "img"))

    def handle_endtag(self, tag):
        for i in range(len(self.open) - 1, -1, -1):
            if self.open[i][0] == tag:
                del self.open[i:]
                break


@pytest.mark.django_db
def test_dashboard_charts_keep_their_links_out_of_images(client, users):
    """A link inside role=img is invisible to a screen reader and confusing from the keyboard: each chart
    is a named list whose numbers are links."""
    client.force_login(users["manager"])
    html = client.get(reverse("care:dashboard")).content.decode()
    page = _Images()
    page.feed(html)
    assert page.hidden_interactive == []
    assert page.charts and all(
        chart.get("aria-label") or chart.get("aria-labelledby") for chart in page.charts
    )
    assert page.links >= 7  # each open status's number opens the register filtered to it


def _is_chinese(text: str) -> bool:
    return bool(re.match(r"[\u4e00-\u9fff]", text.strip()))


@pytest.mark.django_db
def test_the_api_documentation_is_chinese_first(client, users):
    """The docs page says it is Chinese (screen readers pick their voice by it); the schema's title and
    description lead in Chinese and keep the English after it."""
    client.force_login(users["dealer"])
    html = client.get(reverse("api:docs")).content.decode()
    assert re.search(r'<html[^>]*\blang="zh-Hans"', html)
    schema = client.get(reverse("api:schema"), HTTP_ACCEPT="application/vnd.oai.openapi+json").json()
    title, description = schema["info"]["title"], schema["info"]["description"]
    assert _is_chinese(title) and re.search(r"[A-Za-z]{3,}", title)
    first, *rest = [p for p in description.split("\n\n") if p.strip()]
    assert _is_chinese(first)
    english = "\n\n".join(rest)
    assert "Api-Key" in english and "Idempotency-Key" in english and "Webhooks" in english
    # The English half repeats what the Chinese half says: nothing an integrator needs is left out.
    assert description.index("Idempotency-Key") < description.index("Webhooks")
    assert description.count("X-Aftersales-Signature") == 2


@pytest.mark.django_db
def test_the_redoc_page_is_chinese_too(client, users):
    client.force_login(users["dealer"])
    html = client.get(reverse("api:redoc")).content.decode()
    assert re.search(r'<html[^>]*\blang="zh-Hans"', html)


# In Chromium ----------------------------------------------------------------------------------------------


def _login(page: Page, live_server, username: str, password: str = "pw-12345") -> None:
    page.goto(f"{live_server.url}/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.keyboard.press("Enter")
    page.wait_for_url(lambda url: "/login/" not in url)


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("reference_data")
def test_the_skip_link_is_the_first_tab_stop_and_takes_focus_to_the_content(users, live_server, page: Page):
    page.set_viewport_size(VIEWPORT)
    _login(page, live_server, "disp")
    page.goto(f"{live_server.url}{reverse('repairs:register')}")
    skip = page.locator("a[href='#main']")
    # Out of sight until it is needed.
    assert skip.bounding_box() is None or skip.bounding_box()["width"] <= 1
    page.keyboard.press("Tab")
    expect(skip).to_be_focused()
    box = skip.bounding_box()
    assert box and box["width"] > 40 and box["height"] > 16 and box["y"] >= 0, box
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main"
    # The next Tab goes on from the content, not from the header.
    page.keyboard.press("Tab")
    assert page.evaluate("!!document.activeElement.closest('main')")


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("reference_data")
def test_callback_tab_counts_are_legible_on_every_tab(users, live_server, page: Page):
    """Counts of 12 px text need 4.5:1, on the selected (filled) tab as on the others."""
    page.set_viewport_size(VIEWPORT)
    page.add_init_script(CONTRAST_JS)
    _login(page, live_server, "disp")
    for view in ("due", "overdue", "review", "upcoming"):
        page.goto(f"{live_server.url}{reverse('care:callbacks')}?view={view}")
        counts = page.locator(".care-tabs .count")
        expect(counts.first).to_be_visible()
        ratios = [
            counts.nth(i).evaluate("el => window.__a11y.textContrast(el)") for i in range(counts.count())
        ]
        assert min(ratios) >= 4.5, (view, ratios)


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("reference_data")
def test_the_centres_table_scrolls_in_its_own_box_at_200_percent_zoom(users, live_server, browser):
    ServiceCenterFactory(code="SC-LONG-01", name="广东省广州市天河区天河路特约维修服务中心")
    context = browser.new_context(**ZOOM_200)
    page = context.new_page()
    try:
        _login(page, live_server, "mgr")
        page.goto(f"{live_server.url}{reverse('office:dashboard')}")
        # The page itself does not scroll sideways ...
        assert page.evaluate(
            "document.documentElement.scrollWidth <= document.documentElement.clientWidth"
        ), page.evaluate("[document.documentElement.scrollWidth, document.documentElement.clientWidth]")
        # ... the table does, inside a box a keyboard user can reach and a screen reader names.
        box = page.locator(".table-scroll", has=page.locator("table"))
        expect(box).to_have_count(1)
        assert box.evaluate("el => el.scrollWidth > el.clientWidth")
        assert box.evaluate("el => getComputedStyle(el).overflowX") == "auto"
        expect(box).to_have_attribute("tabindex", "0")
        expect(box).to_have_attribute("role", "region")
        expect(page.get_by_role("region", name="服务网点")).to_have_count(1)
        box.focus()
        page.keyboard.press("End")
        page.keyboard.press("ArrowRight")
        page.wait_for_function("document.querySelector('.table-scroll').scrollLeft > 0", timeout=5000)
    finally:
        context.close()


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("reference_data")
def test_a_focused_unit_on_the_intake_page_looks_different_from_the_picked_one(
    users, live_server, page: Page
):
    from network.factories import DistrictFactory
    from repairs.models import ProductCategory

    district = DistrictFactory(name="天河区", parent__name="广州市", parent__parent__name="广东省")
    customer = CustomerFactory(name="刘女士")
    CustomerPhoneFactory(customer=customer, number="13922223333")
    CustomerAddressFactory(customer=customer, region=district)
    for brand, code in (("格力", "air_conditioner"), ("海尔", "refrigerator")):
        ProductUnitFactory(
            owner=customer,
            model=ProductModelFactory(brand=brand, category=ProductCategory.objects.get(code=code)),
        )
    page.set_viewport_size(VIEWPORT)
    page.add_init_script(CONTRAST_JS)
    page.add_init_script(PANEL_PROBE)
    _login(page, live_server, "disp")
    page.goto(f"{live_server.url}{reverse('repairs:call_new')}")
    page.wait_for_load_state()
    page.locator("#id_caller_phone").click()
    page.keyboard.type("13922223333")
    picks = page.locator("#lookup button.pick")
    expect(picks).to_have_count(2)
    picks.nth(0).click()
    expect(picks.nth(0)).to_have_class(re.compile(r"\bpicked\b"))
    # Picking draws the panel, which then takes the cursor on to its first field.
    page.wait_for_function(
        "(unit) => (window.__panelData || {}).unit === unit", arg=picks.nth(0).get_attribute("data-unit")
    )
    unpicked_fill = picks.nth(1).evaluate("el => window.__a11y.fill(el)")

    # Back to the units, then from the keyboard to the other one: it shows a focus ring a person can see
    # (3:1 against what surrounds it, WCAG 1.4.11) and keeps the look of an unpicked unit.
    picks.nth(0).focus()
    page.keyboard.press("Tab")
    expect(picks.nth(1)).to_be_focused()
    ring = picks.nth(1).evaluate("el => window.__a11y.outline(el)")
    assert ring["style"] != "none" and ring["width"] >= 2 and ring["contrast"] >= 3, ring
    assert picks.nth(1).evaluate("el => window.__a11y.fill(el)") == unpicked_fill

    # The picked unit, no longer focused, has no ring but its own fill.
    picked = picks.nth(0).evaluate("el => window.__a11y.outline(el)")
    assert picked["style"] == "none" or picked["width"] == 0, picked
    assert picks.nth(0).evaluate("el => window.__a11y.fill(el)") != unpicked_fill
    page.wait_for_load_state("networkidle")  # no request of the page still running when the test ends


# axe-core over every role's main pages ---------------------------------------------------------------------

AXE_OPTIONS = {
    "runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]},
    "resultTypes": ["violations"],
}
BLOCKING = {"serious", "critical"}


def _main_pages() -> list[tuple[str, str, str]]:
    """(who, what, path) for each role's main pages, on the demo's data."""
    from inventory.models import Part
    from network.models import ServiceCenter, Settlement, Technician
    from repairs.choices import OPEN_STATUSES
    from repairs.models import ProductUnit, WorkOrder

    def first(queryset):
        pk = queryset.order_by("pk").values_list("pk", flat=True).first()
        assert pk is not None, queryset.query
        return pk

    tech_order = first(WorkOrder.objects.filter(technician__user__username="tech", status__in=OPEN_STATUSES))
    household = {"owner__phones__number": CUSTOMER[-11:]}
    customer = {"call__customer__phones__number": CUSTOMER[-11:], "status__in": OPEN_STATUSES}
    units, orders = ProductUnit.objects, WorkOrder.objects
    open_call = first(WorkOrder.objects.filter(status__in=OPEN_STATUSES).values("call_id"))
    return [
        ("dispatcher", "register", reverse("repairs:register")),
        ("dispatcher", "call_new", reverse("repairs:call_new")),
        ("dispatcher", "call_detail", reverse("repairs:call_detail", args=[open_call])),
        ("dispatcher", "callbacks", reverse("care:callbacks")),
        ("tech", "tablet_day", reverse("repairs:my_orders")),
        ("tech", "tablet_order", reverse("repairs:tablet_order", args=[tech_order])),
        ("supervisor", "supervisor_home", reverse("office:my_center")),
        ("supervisor", "supervisor_stock", reverse("inventory:my_center")),
        ("tech", "tablet_admin_time", reverse("repairs:tablet_admin_time")),
        ("supervisor", "technicians_time", reverse("office:technician_time")),
        ("supervisor", "admin_time_new", reverse("office:admin_time_new")),
        (
            "supervisor",
            "technician_time",
            reverse(
                "office:technician_time_detail",
                args=[first(Technician.objects.filter(center__supervisors__username="supervisor"))],
            ),
        ),
        ("manager", "dashboard", reverse("office:dashboard")),
        ("manager", "settlements", reverse("settlement:settlements")),
        (
            "manager",
            "settlement_detail",
            reverse("settlement:settlement_detail", args=[first(Settlement.objects)]),
        ),
        ("manager", "care_dashboard", reverse("care:dashboard")),
        ("manager", "callbacks_review", reverse("care:callbacks") + "?view=review"),
        ("manager", "stock", reverse("inventory:stock")),
        ("manager", "stock_operations", reverse("inventory:stock_operations")),
        ("manager", "part_ledger", reverse("inventory:part_ledger", args=[first(Part.objects)])),
        (
            "manager",
            "center_stock",
            reverse("inventory:center_detail", args=[first(ServiceCenter.objects.filter(active=True))]),
        ),
        ("dealer", "dealer_home", reverse("office:dealer_home")),
        ("dealer", "api_keys", reverse("integrations:api_keys")),
        ("dealer", "api_docs", reverse("api:docs")),
        # The customer's own pages, on a phone (the demo household, signed in as its first sign-in made it).
        (CUSTOMER, "my_home", reverse("portal:home")),
        (CUSTOMER, "my_card", reverse("portal:unit_card", args=[first(units.filter(**household))])),
        (CUSTOMER, "my_order", reverse("portal:order_detail", args=[first(orders.filter(**customer))])),
        (CUSTOMER, "my_report", reverse("portal:report")),
        (CUSTOMER, "my_unit_new", reverse("portal:unit_new")),
        (None, "my_sign_in", reverse("portal:home")),
    ]


def _customer_session(context, live_server, username: str) -> None:
    from django.contrib.auth import get_user_model
    from django.test import Client

    client = Client()
    client.force_login(get_user_model().objects.get(username=username))
    context.add_cookies(
        [{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_server.url}]
    )


def _axe_blocking(axe, page: Page) -> list[str]:
    found = axe.run(page, options=AXE_OPTIONS).response["violations"]
    return [
        f"{v['id']} ({v['impact']}): {', '.join(str(n['target']) for n in v['nodes'][:5])}"
        f"{' …' if len(v['nodes']) > 5 else ''} — {v['help']}"
        for v in found
        if v["impact"] in BLOCKING
    ]


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("reference_data")
def test_every_roles_main_pages_have_no_serious_or_critical_axe_violations(
    live_server, browser, tmp_path, artifacts_dir
):
    import io

    from axe_playwright_python.sync_playwright import Axe
    from django.core.management import call_command
    from django.test import override_settings

    from demo.network import DEMO_PASSWORD

    with override_settings(MEDIA_ROOT=tmp_path):
        call_command("seed_demo", customers=60, stdout=io.StringIO())
        pages = _main_pages()
        axe = Axe()
        blocking: dict[str, list[str]] = {}
        contexts = {}
        try:
            for who, what, path in pages:
                if who not in contexts and what.startswith("my_"):
                    contexts[who] = browser.new_context(viewport=PHONE)
                    if who:  # the customer signs in by SMS code: their session is given to the browser
                        _customer_session(contexts[who], live_server, who)
                elif who not in contexts:
                    contexts[who] = browser.new_context(viewport=VIEWPORT)
                    _login(contexts[who].new_page(), live_server, who, DEMO_PASSWORD)
                page = contexts[who].new_page()
                response = page.goto(f"{live_server.url}{path}")
                assert response.status == 200, (what, response.status)
                page.wait_for_load_state("networkidle")
                if what == "api_docs":
                    expect(page.locator(".opblock").first).to_be_visible(timeout=20_000)
                if problems := _axe_blocking(axe, page):
                    blocking[what] = problems
                page.screenshot(path=str(artifacts_dir / f"a11y_{what}.png"))
                if what == "api_docs":
                    # One operation opened: its parameters, responses and "Try it out" too.
                    page.locator(".opblock-summary-control").first.click()
                    expect(page.locator(".opblock-body").first).to_be_visible()
                    if problems := _axe_blocking(axe, page):
                        blocking["api_docs (an operation open)"] = problems
                page.close()
        finally:
            for context in contexts.values():
                context.close()
    assert blocking == {}, "\n".join(f"{what}:\n  " + "\n  ".join(found) for what, found in blocking.items())
