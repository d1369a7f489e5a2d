"""The rendered book's tests need the HTML that `make book` (or the build step of `make test`) wrote."""

import functools
import http.server
import threading
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
HTML = ROOT / "_build" / "html"
CHAPTERS = sorted(p.stem for p in (ROOT / "book").glob("[0-9][0-9]_*.ipynb"))


@pytest.fixture(scope="session")
def html():
    if not (HTML / "index.html").exists():
        pytest.skip("no built book in _build/html: run `make book` first (`make test` builds it before these tests)")
    return HTML


@pytest.fixture(scope="session")
def server(html):
    """The built book served over HTTP on a free local port, as a reader's browser would fetch it."""
    handler = functools.partial(_QuietHandler, directory=str(html))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass
