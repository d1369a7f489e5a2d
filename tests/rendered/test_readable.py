"""Pages that read on any screen, on paper and with assistive technology: headless
Chromium on every page of the book (the table of contents' pages and those Sphinx
generates), with every solution and collapsed cell opened first, since a reader can.

- **Nothing overflows sideways** at 1280 and at 390 CSS pixels wide (a laptop, a
  phone): no content a reader can see ends past the edge of the box that shows it, so
  nothing is cut off or hidden behind a horizontal scrollbar, and the page never
  scrolls sideways. Allowed to scroll, because they are made to: a table's wrapper and,
  at 390 px only, a display equation (see ``SCROLLS_ON_PURPOSE``). A failure names the
  page, the box (tag, classes, id, the nearest ``id`` around it, a text snippet or its
  longest code line and that line's length), what sticks out and by how many pixels.
- **axe-core** (bundled with ``selenium-axe-python``) finds no violation of impact
  serious or critical, in the light theme (every rule) and the dark theme (colour
  contrast, all that the theme changes; code cells on one page, see
  ``_dark_code_page``); and no image's text alternative is missing or a file name.
- **Printed** from the browser (print media emulated at the width of an A4 page less
  its margins), every code line is whole (no ``pre`` wider than its box) and the
  sidebars, header and buttons are hidden.

Each page is loaded once and inspected for all three; the tests read the results.
Skipped with the other browser tests when no Chromium is installed (a failure with
REQUIRE_BROWSER=1).
"""

import functools
import json
import re
from pathlib import Path

import pytest
from conftest import CHAPTERS, HTML, PAGES, open_page

WIDTHS = (1280, 390)
PRINT_WIDTH = (
    698  # A4 (8.27 in) less Chrome's default margins (0.5 in a side), 96 px/in
)

# The boxes that may scroll sideways, by width. A table keeps its columns and scrolls in
# the theme's wrapper at any width. A display equation may scroll at phone width only:
# MathJax 3 cannot break a formula over lines (automatic line breaking returns in
# MathJax 4), and a formula of ordinary length, (4.1) say, is wider than a 390-px screen
# however it is written, so the theme's scrolling container (div.math > mjx-container,
# overflow: auto) is the only way a phone's reader sees all of it. At 1280 px it must
# fit: an equation wider than that is broken over lines in the chapter.
SCROLLS_ON_PURPOSE = {
    1280: ".pst-scrollable-table-container",
    390: ".pst-scrollable-table-container, div.math > mjx-container",
}
OVERFLOW = (Path(__file__).parent / "overflow.js").read_text(encoding="utf-8")

# Open every solution (sphinx-togglebutton) and every collapsed cell or dropdown.
EXPAND = """
document.querySelectorAll('details').forEach(d => { d.open = true; });
document.querySelectorAll('.toggle-button[aria-expanded="false"]')
  .forEach(b => b.click());
"""
# Resolves when no CSS transition is running (after a toggle, a theme switch, a resize).
SETTLED = """
const done = arguments[arguments.length - 1];
const finite = a => a.effect && a.effect.getComputedTiming().endTime !== Infinity;
const wait = () => Promise.all(document.getAnimations().filter(finite)
  .map(a => a.finished.catch(() => null)));
Promise.race([wait(), new Promise(r => setTimeout(r, 3000))])
  .then(() => setTimeout(() => done(true), 50));
"""
# axe-core's violations, each node with its selector, HTML and the first reason given.
AXE = """
const done = arguments[arguments.length - 1];
const node = n => ({target: n.target.join(' '), html: n.html.slice(0, 160),
                    why: (n.failureSummary || '').split('\\n')[1] || ''});
axe.run(arguments[0] || document, arguments[1]).then(
  r => done(r.violations.map(
    v => ({id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.map(node)}))),
  e => done([{id: 'axe-error', impact: 'critical', help: String(e), nodes: []}]));
"""
PRINTED = """
const shown = el => el.checkVisibility({visibilityProperty: true,
                                        opacityProperty: true});
const classes = el => typeof el.className === 'string' && el.className.trim()
  ? '.' + el.className.trim().split(/\\s+/).join('.') : '';
const name = el => el.tagName.toLowerCase() + (el.id ? '#' + el.id : '') + classes(el);
const longest = pre => pre.innerText.split('\\n')
  .reduce((a, b) => (b.length > a.length ? b : a), '');
const cut = Array.from(document.querySelectorAll('pre')).filter(shown)
  .filter(pre => pre.scrollWidth - pre.clientWidth >= 2)
  .map(pre => ({pre: name(pre), by: pre.scrollWidth - pre.clientWidth,
                line: longest(pre).slice(0, 80)}));
const chrome = Array.from(document.querySelectorAll(
  '.bd-header, .bd-sidebar-primary, .bd-sidebar-secondary, .bd-header-article, '
  + '.prev-next-area, button')).filter(shown).map(name);
return {cut, chrome};
"""
# Images whose text alternative says nothing: none at all, none on a figure, or a file
# name. docutils writes the image's path as its alt text when a notebook gives none,
# which axe-core accepts.
SILENT_IMAGES = """
const named = (alt, src) => alt.trim() === src || alt.includes(src.split('/').pop())
  || /\\.(png|jpe?g|svg|gif|webp)$/i.test(alt.trim());
return Array.from(document.images).filter(img => {
  const alt = img.getAttribute('alt'), src = img.getAttribute('src') || '';
  if (alt === null) return true;
  if (alt.trim() === '') return Boolean(img.closest('figure'));
  return named(alt, src);
}).map(img => ({src: img.getAttribute('src'), alt: img.getAttribute('alt'),
                near: (img.closest('[id]') || {}).id || ''}));
"""
SERIOUS = ("serious", "critical")


def _inject_axe(browser):
    from selenium_axe_python import Axe

    Axe(browser).inject()


def _viewport(browser, width, mobile=False, media=""):
    browser.execute_cdp_cmd(
        "Emulation.setDeviceMetricsOverride",
        {"width": width, "height": 900, "deviceScaleFactor": 1, "mobile": mobile},
    )
    browser.execute_cdp_cmd("Emulation.setEmulatedMedia", {"media": media})


def _load_expanded(browser, url):
    open_page(browser, url)
    browser.execute_script(EXPAND)
    browser.execute_async_script(SETTLED)


def _inspect(browser, server, page):
    """Everything the tests below assert about one page, from one load of it: at 1280 px
    the overflow check, axe-core in the light and the dark theme and the printed page;
    then, resized to 390 px (the theme's layout follows the width through CSS alone),
    the overflow check again."""
    result = {}
    try:
        _viewport(browser, 1280)
        _load_expanded(browser, f"{server}/{page}.html")
        result[1280] = browser.execute_script(OVERFLOW, SCROLLS_ON_PURPOSE[1280])
        _inject_axe(browser)
        result["axe light"] = browser.execute_async_script(
            AXE, None, {"resultTypes": ["violations"]}
        )
        result["silent images"] = browser.execute_script(SILENT_IMAGES)
        _theme(browser, "dark")
        skip_code = None if page == _dark_code_page() else {"exclude": [["div.cell"]]}
        result["axe dark"] = browser.execute_async_script(
            AXE,
            skip_code,
            {"resultTypes": ["violations"], "runOnly": ["color-contrast"]},
        )
        _theme(browser, "light")
        _viewport(browser, PRINT_WIDTH, media="print")
        browser.execute_async_script(SETTLED)
        result["print"] = browser.execute_script(PRINTED)
        _viewport(browser, 390, mobile=True)
        browser.execute_async_script(SETTLED)
        result[390] = browser.execute_script(OVERFLOW, SCROLLS_ON_PURPOSE[390])
    finally:
        browser.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})
        browser.execute_cdp_cmd("Emulation.setEmulatedMedia", {"media": ""})
    return result


def _theme(browser, mode):
    browser.execute_script(
        "document.documentElement.dataset.theme = "
        "arguments[0];document.documentElement.dataset.mode = arguments[0];",
        mode,
    )
    browser.execute_async_script(SETTLED)


@functools.cache
def _dark_code_page():
    """The chapter whose code shows the most kinds of highlighted token. In the dark
    theme, colour contrast is checked on every page with its code cells left out, and
    on this page with them: the cells' colours are the theme's dark syntax palette, the
    same on every page, and axe-core's check of every token on every chapter would add
    about a third to this module's time."""

    def kinds(chapter):
        text = (HTML / "book" / f"{chapter}.html").read_text(encoding="utf-8")
        return len(set(re.findall(r'<span class="([a-z0-9]{1,3})">', text)))

    return f"book/{max(CHAPTERS, key=kinds)}"


@pytest.fixture(scope="module")
def inspected(browser, server):
    cache = {}

    def get(page):
        if page not in cache:
            cache[page] = _inspect(browser, server, page)
        return cache[page]

    return get


def _name(element):
    if element is None:
        return ""
    text = f"{element['tag']}{'#' + element['id'] if element['id'] else ''}"
    text += f"{'.' + element['classes'] if element['classes'] else ''}"
    if element["near"]:
        text += f" in #{element['near']}"
    if element["chars"] is not None:
        return (
            f"{text}, longest line {element['chars']} characters: {element['text']!r}"
        )
    return f"{text}: {element['text']!r}"


def _overflow_report(found):
    lines = []
    for item in found:
        line = f"  {_name(item['box'])}\n    {item['by']} px cut off or scrolled away"
        if item["cause"] and item["cause"] != item["box"]:
            line += f", by {_name(item['cause'])}"
        lines.append(line)
    return "\n".join(lines)


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("page", PAGES)
def test_nothing_overflows_sideways(inspected, page, width):
    found = inspected(page)[width]
    assert not found, (
        f"{page} at {width} px: {len(found)} boxes overflow\n" + _overflow_report(found)
    )


@pytest.mark.parametrize("page", PAGES)
def test_axe_finds_no_serious_or_critical_violation(inspected, page):
    """And every image has a text alternative that is not its file name."""
    result = inspected(page)
    problems = []
    for theme in ("light", "dark"):
        for violation in result[f"axe {theme}"]:
            if violation["impact"] in SERIOUS:
                rule = f"{violation['id']} ({violation['impact']})"
                problems.append(f"  [{theme}] {rule}: {violation['help']}")
                problems += [
                    f"    {n['target']}  {n['html']!r}  {n['why'].strip()}"
                    for n in violation["nodes"][:8]
                ]
    problems += [
        f"  an image without a text alternative: {image}"
        for image in result["silent images"]
    ]
    assert not problems, f"{page}: accessibility problems\n" + "\n".join(problems)


@pytest.mark.parametrize("page", PAGES)
def test_printed_page_shows_whole_code_lines_without_screen_controls(inspected, page):
    printed = inspected(page)["print"]
    cut = json.dumps(printed["cut"], indent=1)
    assert not printed["cut"], f"{page}, printed: code lines cut off\n{cut}"
    assert not printed["chrome"], (
        f"{page}, printed: screen controls shown {printed['chrome']}"
    )
