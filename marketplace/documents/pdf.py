"""HTML → A4 PDF with WeasyPrint, offline: the fonts are the system's (fontconfig: fonts-noto-cjk), and
the only resources a document may load are the package's own static files."""
from __future__ import annotations

from pathlib import Path
from urllib.parse import unquote, urlsplit

from flask import render_template

from ..services.official_documents import PLATFORM_NAME, Document

STATIC = (Path(__file__).resolve().parent.parent / "static").resolve()
MIME_TYPES = {".css": "text/css", ".svg": "image/svg+xml", ".png": "image/png"}


class OutsideStatic(ValueError):
    """A document asked for something that is not one of the package's static files."""


def static_file(url: str) -> Path:
    """The file under marketplace/static that `url` names; OutsideStatic for anything else (another
    scheme, a host, a path that climbs out, a missing file)."""
    parts = urlsplit(url)
    path = Path(unquote(parts.path)).resolve() if parts.scheme == "file" and not parts.netloc else None
    if path is None or not path.is_relative_to(STATIC) or not path.is_file():
        raise OutsideStatic(f"not a static file of the package: {url}")
    return path


def _fetcher():
    """WeasyPrint's URL fetcher, limited to static_file: WeasyPrint leaves a refused resource out
    (with a logged warning), so nothing is ever fetched over the network, whatever the HTML says."""
    from weasyprint.urls import URLFetcher, URLFetcherResponse

    class StaticOnly(URLFetcher):
        def fetch(self, url, headers=None):
            path = static_file(url)
            return URLFetcherResponse(path.as_uri(), path.read_bytes(),
                                      {"Content-Type": MIME_TYPES.get(path.suffix, "application/octet-stream")})

    return StaticOnly(allowed_protocols=("file",))


def html_of(document: Document) -> str:
    return render_template(f"documents/{document.template}", document=document, platform=PLATFORM_NAME,
                           **document.context)


def render(document: Document) -> bytes:
    """The document as PDF bytes (a second or so for a few pages: see the README)."""
    from weasyprint import HTML  # imported on first use: the rest of the app does not pay for it

    return HTML(string=html_of(document), base_url=STATIC.as_uri() + "/", url_fetcher=_fetcher()).write_pdf()
