"""At a phone's width (375×740): the page never scrolls sideways, a data table scrolls as a whole inside
its own focusable region with a readable first column, and every control is a big enough target
(WCAG 2.2 SC 2.5.8: 24×24 CSS px, or spaced so a 24 px circle around it touches no other target;
links inside a sentence are exempt). Then the expert picker, driven from the keyboard alone."""
from __future__ import annotations

import pytest
from browser_kit import log_in, new_page

PHONE = (375, 740)

# (who, page): pages with data tables, and the busiest form pages.
PAGES = [
    (None, "/chains/"),
    ("admin@demo.example", "/admin/users"),
    ("admin@demo.example", "/admin/organisations?status=all"),
    ("admin@demo.example", "/recommendations/report"),
    ("admin@demo.example", "/admin/chains/ai"),
    ("enterprise@demo.example", "/challenges/mine"),
    ("institution@demo.example", "/proposals/mine"),
    ("expert@demo.example", "/reviews/"),
    ("institution@demo.example", "/inbox/settings"),
    (None, "/challenges/"),
    ("admin@demo.example", "/projects/"),
    ("chain-ai@demo.example", "/challenges/9/evaluation"),  # a long caption beside a wide score table
    (None, "/stats"),  # charts and their tables
    ("admin@demo.example", "/admin/stats"),  # the widest table: sixteen columns of chains compared
]

# What counts as a target, and which of them are too small and too close to another (see above).
MEASURE = """() => {
  const shown = el => {
    const r = el.getBoundingClientRect(), s = getComputedStyle(el);
    return r.width > 1 && r.height > 1 && s.visibility !== 'hidden' && !el.closest('[hidden]');
  };
  const inSentence = el => {  // words of its own around it, not just other links and separators
    if (el.tagName !== 'A' || getComputedStyle(el).display !== 'inline') return false;
    const around = [...el.parentElement.childNodes].filter(n => n.nodeType === Node.TEXT_NODE).map(n => n.textContent);
    return around.join('').replace(/[\\s·|、，,\\/（）()]+/g, '').length > 0;
  };
  const targets = [...document.querySelectorAll('a[href], button, input:not([type=hidden]), select, textarea, summary')]
    .filter(shown);
  const boxes = targets.map(el => el.getBoundingClientRect());
  const small = targets.map((el, i) => (boxes[i].width < 24 || boxes[i].height < 24) && !inSentence(el));
  const centre = b => [b.left + b.width / 2, b.top + b.height / 2];
  const gap = (p, b) => Math.hypot(Math.max(b.left - p[0], 0, p[0] - b.right), Math.max(b.top - p[1], 0, p[1] - b.bottom));
  const crowded = [];
  targets.forEach((el, i) => {
    if (!small[i]) return;
    const c = centre(boxes[i]);
    const near = targets.some((other, j) => j !== i && !other.contains(el) && !el.contains(other) &&
      (gap(c, boxes[j]) < 12 || (small[j] && Math.hypot(c[0] - centre(boxes[j])[0], c[1] - centre(boxes[j])[1]) < 24)));
    if (near) crowded.push(`${el.tagName.toLowerCase()} "${(el.textContent || el.name || el.id).trim().slice(0, 20)}" ` +
                           `${Math.round(boxes[i].width)}×${Math.round(boxes[i].height)}`);
  });
  return {count: targets.length, crowded};
}"""


def _context(browser, live_server, who):
    context, page = new_page(browser, PHONE, is_mobile=True, has_touch=True)
    if who:
        log_in(page, live_server["url"], who)
    return context, page


@pytest.mark.parametrize("who, path", PAGES)
def test_phone_layout(browser, live_server, screenshots, who, path):
    context, page = _context(browser, live_server, who)
    try:
        response = page.goto(live_server["url"] + path)
        assert response.status == 200, path
        width = page.evaluate("document.scrollingElement.scrollWidth")
        assert width <= page.evaluate("innerWidth"), f"{path} scrolls sideways: {width}px"
        for wrapper in page.locator(".table-responsive").all():
            assert wrapper.get_attribute("tabindex") == "0" and wrapper.get_attribute("role") == "region"
            assert wrapper.get_attribute("aria-label")
            firsts = wrapper.evaluate("w => [...w.querySelectorAll('tr > :first-child')].map(c => c.getBoundingClientRect().width)")
            assert firsts and min(firsts) >= 80, (path, firsts)
            captions = wrapper.evaluate("w => [...w.querySelectorAll('caption')].map(c => c.getBoundingClientRect().right)")
            assert all(right <= page.evaluate("innerWidth") for right in captions), (path, "caption", captions)
        found = page.evaluate(MEASURE)
        assert found["count"] > 0 and found["crowded"] == [], (path, found["crowded"])
        if page.locator(".navbar-toggler").is_visible():  # the menu, opened as on a phone
            page.locator(".navbar-toggler").click()
            page.locator(".navbar-collapse.show").wait_for()
            found = page.evaluate(MEASURE)
            assert found["crowded"] == [], (path, "menu", found["crowded"])
            assert page.evaluate("document.scrollingElement.scrollWidth") <= page.evaluate("innerWidth")
        page.screenshot(path=str(screenshots / f"phone{path.replace('/', '-').replace('?', '-')}.png"), full_page=True)
    finally:
        context.close()


def test_the_measure_finds_targets_too_small_and_too_close(browser, live_server):
    """The check above can fail: two tiny links side by side are caught, a link in a sentence is not."""
    context, page = _context(browser, live_server, None)
    try:
        page.goto(live_server["url"] + "/chains/")
        page.evaluate("""() => {
          const div = document.createElement('div');
          div.innerHTML = '<a href="#a" style="font-size:10px;line-height:10px">甲</a><a href="#b" style="font-size:10px;line-height:10px">乙</a>' +
                          '<p>一句话里的<a href="#c">链接</a>不算。</p>';
          document.querySelector('main').prepend(div);
        }""")
        crowded = page.evaluate(MEASURE)["crowded"]
        assert len(crowded) == 2 and crowded[0].startswith('a "甲"') and not any("链接" in c for c in crowded)
    finally:
        context.close()


def test_a_wide_table_scrolls_inside_its_region_and_keeps_its_first_column(browser, live_server):
    context, page = _context(browser, live_server, "admin@demo.example")
    try:
        page.goto(live_server["url"] + "/admin/organisations?status=all")
        wrapper = page.locator(".table-responsive").first
        assert wrapper.evaluate("w => w.scrollWidth > w.clientWidth"), "the table fits: nothing to scroll"
        first = wrapper.locator("tbody tr:first-child > :first-child")
        left_before = first.evaluate("c => c.getBoundingClientRect().left")
        wrapper.focus()  # from the keyboard: the region takes focus, the arrow keys scroll it
        for _ in range(5):
            page.keyboard.press("ArrowRight")
        # Chromium scrolls smoothly: wait for the scroll to land rather than read it mid-animation.
        page.wait_for_function("w => w.scrollLeft > 0", arg=wrapper.element_handle(), timeout=5000)
        page.wait_for_timeout(400)  # let the smooth scroll settle before the sticky column is measured
        assert first.evaluate("c => c.getBoundingClientRect().left") == pytest.approx(left_before, abs=1)  # sticky
        assert page.evaluate("document.scrollingElement.scrollLeft") == 0
    finally:
        context.close()


def test_the_expert_picker_from_the_keyboard(browser, live_server):
    context, page = _context(browser, live_server, "chain-ai@demo.example")
    try:
        page.goto(live_server["url"] + "/admin/chains/ai")
        box = page.get_by_role("combobox", name="搜索专家")
        box.focus()
        page.keyboard.type("institution@demo")
        listbox = page.get_by_role("listbox")
        listbox.wait_for(state="visible")
        assert box.get_attribute("aria-expanded") == "true"
        options = listbox.get_by_role("option")
        assert options.count() >= 1
        page.keyboard.press("ArrowDown")
        active = box.get_attribute("aria-activedescendant")
        assert active and page.locator(f"#{active}").get_attribute("aria-selected") == "true"
        name = page.locator(f"#{active} strong").inner_text()
        page.keyboard.press("Escape")
        assert box.get_attribute("aria-expanded") == "false" and listbox.is_hidden()
        page.keyboard.press("ArrowDown")
        listbox.wait_for(state="visible")
        page.keyboard.press("ArrowDown")
        page.keyboard.press("Enter")  # chooses; does not send the page's search
        assert box.input_value() == name and "expert_q" not in page.url
        chosen = page.locator("#expert-results button")
        assert chosen.count() == 1 and chosen.inner_text() == "加入专家库"
        title = page.get_by_label("职称")
        title.fill("研究员")
        title.press("Enter")  # Enter in a text field sends nothing: no candidate is appointed by accident
        page.wait_for_timeout(300)
        assert page.url.endswith("/admin/chains/ai") and title.input_value() == "研究员"
        page.get_by_label("研究专长").fill("键盘选择的专家的研究专长")
        chosen.focus()
        with page.expect_navigation():
            page.keyboard.press("Enter")
        assert f"已聘任 {name} 为人工智能专家委员会成员" in page.content()
    finally:
        context.close()


@pytest.mark.parametrize("width", [1280, 1400])
@pytest.mark.parametrize("who", ["admin@demo.example", "chain-ai@demo.example"])
def test_the_menu_fits_a_desktop(browser, live_server, screenshots, who, width):
    """With every entry a platform admin or a department has (统计, 产业链治理, 管理后台, …), the menu keeps a
    usable search box and shows the user's name in full on a 1280 px screen."""
    context, page = new_page(browser, (width, 800))
    try:
        log_in(page, live_server["url"], who)
        page.goto(live_server["url"] + "/")
        page.screenshot(path=str(screenshots / f"menu-{who.split('@')[0]}-{width}.png"))
        assert page.evaluate("document.scrollingElement.scrollWidth") <= width
        search = page.locator("#site-q")
        if not page.locator(".navbar-toggler").is_visible():
            assert search.bounding_box()["width"] >= 160, search.bounding_box()
        user = page.locator("header .dropdown-toggle").last
        if page.locator(".navbar-toggler").is_visible():
            page.locator(".navbar-toggler").click()
            page.locator(".navbar-collapse.show").wait_for()
        assert user.is_visible()
        assert user.evaluate("b => b.scrollWidth <= b.clientWidth + 1"), "the user's name is cut off"
        box, nav = user.bounding_box(), page.locator("header nav > div").bounding_box()
        assert box["x"] + box["width"] <= nav["x"] + nav["width"] + 1
    finally:
        context.close()
