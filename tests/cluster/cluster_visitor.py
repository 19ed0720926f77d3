"""A visitor of the cluster over real HTTP: its own cookies (a session that works on either node, since the
nodes share SECRET_KEY), the page's CSRF token, forms and multipart uploads; redirects are not followed, so
a write's answer (302 to what it created) is seen as sent."""
from __future__ import annotations

import re
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from http.cookiejar import CookieJar
from urllib.parse import urlencode

from werkzeug.test import encode_multipart

DEMO_PASSWORD = "demo-password"
CSRF = re.compile(r'<meta name="csrf-token" content="([^"]+)"')


@dataclass
class Answer:
    status: int
    body: bytes
    location: str = ""

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", errors="replace")


class _KeepRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None  # the 30x itself is the answer


@dataclass
class Visitor:
    base: str
    headers: dict = field(default_factory=dict)  # sent with every request (e.g. X-Forwarded-For)
    timeout: float = 15

    def __post_init__(self):
        self.cookies = CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.cookies), _KeepRedirects)

    def at(self, base: str) -> Visitor:
        """The same visitor (same cookies: same session) sending to another address."""
        other = Visitor(base, dict(self.headers), self.timeout)
        other.cookies = self.cookies
        other.opener = self.opener
        return other

    def request(self, path: str, data: bytes | None = None, content_type: str | None = None) -> Answer:
        request = urllib.request.Request(self.base + path, data=data, headers=dict(self.headers))
        if content_type:
            request.add_header("Content-Type", content_type)
        try:
            with self.opener.open(request, timeout=self.timeout) as response:
                return Answer(response.status, response.read(), response.headers.get("Location", ""))
        except urllib.error.HTTPError as error:
            return Answer(error.code, error.read(), error.headers.get("Location", ""))

    def get(self, path: str) -> Answer:
        return self.request(path)

    def csrf(self, path: str = "/auth/login") -> str:
        page = self.get(path)
        found = CSRF.search(page.text)
        assert found, f"no CSRF token on {path} ({page.status})"
        return found.group(1)

    def post(self, path: str, fields: dict, token: str | None = None) -> Answer:
        """A form post with the CSRF token (of `token`, or read from the page at `path`)."""
        body = urlencode({"csrf_token": token or self.csrf(path), **fields}, doseq=True).encode()
        return self.request(path, body, "application/x-www-form-urlencoded")

    def upload(self, path: str, fields: dict, files: dict, token: str) -> Answer:
        """A multipart post: `files` maps a field to (file name, bytes, content type)."""
        from io import BytesIO

        from werkzeug.datastructures import FileStorage

        values = {"csrf_token": token, **fields}
        values |= {name: FileStorage(BytesIO(data), filename=filename, content_type=kind)
                   for name, (filename, data, kind) in files.items()}
        boundary, body = encode_multipart(values)
        return self.request(path, body, f"multipart/form-data; boundary={boundary}")

    def login(self, email: str, password: str = DEMO_PASSWORD) -> Answer:
        return self.post("/auth/login", {"email": email, "password": password})
