"""The rendered book's tests need the HTML that `make book` (or the build step of
`make test`) wrote. The browser tests share one headless Chromium (Debian's, driven by
chromedriver through Selenium)."""

import functools
import http.server
import os
import shutil
import tempfile
import threading
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
HTML = ROOT / "_build" / "html"
CHAPTERS = sorted(p.stem for p in (ROOT / "book").glob("[0-9][0-9]_*.ipynb"))

CHROMIUM = (
    shutil.which("chromium")
    or shutil.which("chromium-browser")
    or shutil.which("google-chrome")
)
CHROMEDRIVER = shutil.which("chromedriver")
MISSING = (
    "no chromium and chromedriver on PATH (install Debian's: apt-get install chromium "
    "chromium-driver, as .ci/run does)"
)


def _toc_pages() -> list[str]:
    """Every page of _toc.yml in the book's order: the root, chapters, back matter."""
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text(encoding="utf-8"))
    pages = [toc["root"]]

    def walk(entries):
        for entry in entries or []:
            if "file" in entry:
                pages.append(entry["file"])
            walk(entry.get("sections"))

    for part in toc.get("parts", []):
        walk(part.get("chapters"))
    walk(toc.get("chapters"))
    return pages


# The pages a reader can open: the table of contents' and those Sphinx generates
# (search, index, module index, sphinx-proof's list of theorems) when the build has
# them.
PAGES = _toc_pages() + [
    p
    for p in ("search", "genindex", "py-modindex", "prf-prf")
    if p in ("search", "genindex") or (HTML / f"{p}.html").exists()
]

# JavaScript run in the page: resolves when the book's MathJax has typeset it (at once
# on a page without math, which does not load MathJax).
WAIT_FOR_MATHJAX = """
const done = arguments[arguments.length - 1];
const start = Date.now();
if (!document.querySelector('script[src*="mathjax"]')) { done(true); return; }
(function poll() {
  if (window.MathJax && MathJax.startup && MathJax.startup.promise) {
    MathJax.startup.promise.then(() => done(true), () => done(false));
  } else if (Date.now() - start > 20000) { done(false); }
  else { setTimeout(poll, 100); }
})();
"""


@pytest.fixture(scope="session")
def html():
    if not (HTML / "index.html").exists():
        pytest.skip(
            "no built book in _build/html: run `make book` first (`make test` builds "
            "it before these tests)"
        )
    return HTML


@pytest.fixture(scope="session")
def server(html):
    """The built book served over HTTP on a free local port, as a reader's browser
    would fetch it."""
    handler = functools.partial(_QuietHandler, directory=str(html))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def handle(self):
        try:
            super().handle()
        except (
            BrokenPipeError,
            ConnectionResetError,
        ):  # the browser moved on to the next page
            pass


@pytest.fixture(scope="session")
def browser():
    """Headless Chromium at 1280 x 1800. Skipped, saying why, when it is not installed;
    a failure instead with REQUIRE_BROWSER=1 (as .ci/run sets)."""
    if CHROMIUM is None or CHROMEDRIVER is None:
        if os.environ.get("REQUIRE_BROWSER") == "1":
            pytest.fail(f"REQUIRE_BROWSER=1 but {MISSING}")
        pytest.skip(f"browser test skipped: {MISSING}")
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    profile = tempfile.mkdtemp(prefix="book-browser-")
    for flag in (
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--window-size=1280,1800",
        f"--user-data-dir={profile}",
    ):
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    driver.set_script_timeout(120)
    yield driver
    driver.quit()
    shutil.rmtree(profile, ignore_errors=True)


def open_page(browser, url):
    """Load a page and wait until MathJax has typeset it."""
    browser.get(url)
    assert browser.execute_async_script(WAIT_FOR_MATHJAX), (
        f"MathJax did not finish typesetting {url}"
    )
    return browser
