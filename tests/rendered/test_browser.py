"""The rendered book in a real browser (headless Chromium, driven by chromedriver
through Selenium).

On every chapter page: the math was typeset by the book's own MathJax (no raw TeX left
in the text, MathJax's elements present), every image loaded, no JavaScript error was
logged, and exercise solutions start collapsed and open on click. The search page finds
a word from chapter 4. Screenshots of two chapter pages, and of one in the theme's dark
mode, are saved under ``_build/screenshots/`` for people to look at. Skipped, saying
why, when no Chromium is installed (``.ci/run`` installs Debian's); the browser is
conftest's. Layout, print and accessibility are tested in ``test_readable.py``.
"""

import time

import pytest
from conftest import CHAPTERS, ROOT, open_page

SCREENSHOTS = ROOT / "_build" / "screenshots"

# JavaScript run in the page: what a reader would see.
VISIBLE_TEXT_WITHOUT_CODE = """
const article = document.querySelector('main') || document.body;
const copy = article.cloneNode(true);
copy.querySelectorAll('pre, code, .highlight, mjx-container, script, style')
  .forEach(e => e.remove());
return copy.innerText;
"""
BROKEN_IMAGES = """
return Array.from(document.images)
  .filter(i => !(i.complete && i.naturalWidth > 0)).map(i => i.src);
"""


def _open(browser, url):
    return open_page(browser, url)


def _errors(browser):
    return [
        entry["message"]
        for entry in browser.get_log("browser")
        if entry["level"] == "SEVERE"
    ]


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_chapter_page_renders(browser, server, chapter):
    from selenium.webdriver.common.by import By

    page = _open(browser, f"{server}/book/{chapter}.html")
    text = page.execute_script(VISIBLE_TEXT_WITHOUT_CODE)
    for raw in ("$$", "\\[", "\\begin{", "\\frac", "\\theta"):
        assert raw not in text, f"{chapter}: raw TeX {raw!r} left in the page"
    assert len(page.find_elements(By.CSS_SELECTOR, "mjx-container")) > 10, (
        f"{chapter}: MathJax rendered nothing"
    )
    assert not page.execute_script(BROKEN_IMAGES), (
        f"{chapter}: images that did not load"
    )
    assert len(page.find_elements(By.CSS_SELECTOR, "figure img")) >= 1
    # solutions start collapsed and open on click
    solutions = page.find_elements(By.CSS_SELECTOR, "div.solution.dropdown")
    assert len(solutions) >= 3, f"{chapter}: expected at least 3 solutions"
    for solution in solutions:
        body = solution.find_element(By.CSS_SELECTOR, "section")
        assert not body.is_displayed(), (
            f"{chapter}: a solution is open before any click"
        )
    first = solutions[0]
    page.execute_script("arguments[0].scrollIntoView({block: 'center'});", first)
    first.find_element(By.CSS_SELECTOR, "button.toggle-button").click()
    deadline = time.time() + 5
    while (
        not first.find_element(By.CSS_SELECTOR, "section").is_displayed()
        and time.time() < deadline
    ):
        time.sleep(0.1)
    assert first.find_element(By.CSS_SELECTOR, "section").is_displayed(), (
        f"{chapter}: a solution did not open on click"
    )
    assert not _errors(page), f"{chapter}: JavaScript errors: {_errors(page)}"


def test_search_finds_a_word_from_chapter_4(browser, server):
    from selenium.webdriver.common.by import By

    browser.get(f"{server}/search.html?q=Wald")
    deadline = time.time() + 20
    links = []
    while time.time() < deadline:
        links = [
            a.get_attribute("href")
            for a in browser.find_elements(By.CSS_SELECTOR, "#search-results a")
        ]
        if any("04_maximum_likelihood" in (href or "") for href in links):
            break
        time.sleep(0.2)
    assert any("04_maximum_likelihood" in (href or "") for href in links), (
        f"search for 'Wald' found {links}"
    )
    assert not _errors(browser)


def test_screenshots_light_and_dark(browser, server):
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    for chapter in ("04_maximum_likelihood", "09_learned_features"):
        _open(browser, f"{server}/book/{chapter}.html")
        assert browser.save_screenshot(str(SCREENSHOTS / f"{chapter}.png"))
    # dark mode, as the theme's switch sets it
    page = _open(browser, f"{server}/book/08_glm_networks.html")
    page.execute_script(
        "localStorage.setItem('theme', 'dark');document.documentElement.dataset.theme "
        "= 'dark';document.documentElement.dataset.mode = 'dark';"
    )
    figure = page.find_element("css selector", "figure img")
    page.execute_script("arguments[0].scrollIntoView({block: 'center'});", figure)
    time.sleep(0.3)
    background = page.execute_script(
        "return getComputedStyle(document.body).backgroundColor;"
    )
    assert background not in ("rgb(255, 255, 255)", "rgba(0, 0, 0, 0)"), (
        f"dark mode did not apply: {background}"
    )
    assert browser.save_screenshot(str(SCREENSHOTS / "08_glm_networks-dark.png"))
    page.execute_script("localStorage.removeItem('theme');")
    for name in (
        "04_maximum_likelihood.png",
        "09_learned_features.png",
        "08_glm_networks-dark.png",
    ):
        assert (SCREENSHOTS / name).stat().st_size > 10_000
