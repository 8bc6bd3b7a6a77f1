"""NFR-05: Huike runs on a LAN with no internet — nothing is fetched from another host.

Two nets: the rendered pages (every link and asset points at this site and every /static/
file exists), and the source (no external URL, no inline script or handler, which the CSP
would block anyway — better to fail here than in a user's browser).
"""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from django.conf import settings
from django.contrib.staticfiles import finders
from django.urls import NoReverseMatch, reverse

from huike.core.notify import notify
from huike.core.registry import registry

HUIKE = Path(settings.BASE_DIR)
URL_ATTRIBUTES = {"src", "href", "action", "srcset", "poster", "data", "formaction"}
HTMX_URL_ATTRIBUTES = {"hx-get", "hx-post", "hx-put", "hx-patch", "hx-delete"}
DATA_SCRIPT_TYPES = {"application/json", "application/ld+json", "text/template"}


class PageAudit(HTMLParser):
    """Collects every URL a page makes the browser fetch or follow, and CSP violations."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.urls: list[tuple[str, str, str]] = []  # (tag, attribute, url)
        self.violations: list[str] = []
        self._in_inline_script = False
        self._script_text: list[str] = []

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        for name, value in attrs:
            if value is None:
                continue
            if name in URL_ATTRIBUTES or name in HTMX_URL_ATTRIBUTES:
                values = (
                    [v.strip().split(" ")[0] for v in value.split(",")]
                    if name == "srcset"
                    else [value]
                )
                self.urls.extend((tag, name, v.strip()) for v in values)
            if re.fullmatch(r"on[a-z]+", name):
                self.violations.append(f"inline handler <{tag} {name}=...>")
            if name == "style" and re.search(r"url\(\s*['\"]?(https?:)?//", value):
                self.violations.append(f"external url() in style of <{tag}>: {value!r}")
        script_type = (attributes.get("type") or "").lower()
        if tag == "script" and "src" not in attributes and script_type not in DATA_SCRIPT_TYPES:
            self._in_inline_script = True
            self._script_text = []

    def handle_data(self, data):
        if self._in_inline_script:
            self._script_text.append(data)

    def handle_endtag(self, tag):
        if tag == "script" and self._in_inline_script:
            self._in_inline_script = False
            text = "".join(self._script_text).strip()
            self.violations.append(f"inline <script> block: {text[:80]!r}")


def off_site(url: str) -> bool:
    lowered = url.strip().lower()
    if lowered.startswith(("//", "\\\\", "/\\", "\\/")):
        return True
    parts = urlsplit(lowered)
    if parts.scheme in {"http", "https", "ftp", "ws", "wss"}:
        return parts.hostname not in {"testserver", None}
    return False


def audit(label: str, html: str) -> list[str]:
    parser = PageAudit()
    parser.feed(html)
    problems = [f"{label}: {v}" for v in parser.violations]
    for tag, attribute, url in parser.urls:
        if off_site(url):
            problems.append(f"{label}: <{tag} {attribute}={url!r}> points off-site")
        elif url.lower().startswith("javascript:"):
            problems.append(f"{label}: <{tag} {attribute}={url!r}> (CSP blocks javascript: URLs)")
        elif url.startswith(settings.STATIC_URL):
            path = urlsplit(url).path[len(settings.STATIC_URL) :]
            if not finders.find(path):
                problems.append(f"{label}: <{tag} {attribute}={url!r}> is not a static file")
    if re.search(r"url\(\s*['\"]?(https?:)?//", html):
        problems.append(f"{label}: CSS url() pointing off-site")
    return problems


def menu_pages() -> list[tuple[str, str]]:
    pages = []
    for item in registry.sorted_menu():
        try:
            pages.append((item.key, reverse(item.url_name)))
        except NoReverseMatch:
            continue  # a menu item whose module is not installed: nothing to render
    return pages


@pytest.mark.django_db
def test_login_page_loads_nothing_from_elsewhere(client):
    response = client.get(reverse("login"))
    assert response.status_code == 200
    problems = audit("login page", response.content.decode())
    assert not problems, "\n".join(problems)


SHELL_PAGES = [
    ("workbench", "workbench", ""),
    ("notification centre", "notifications", ""),
    ("unread notifications", "notifications", "?tab=unread"),
    ("notification badge", "notification_count", ""),
    ("workbench widget", "workbench_notifications", ""),
]


def signed_in_pages() -> list[tuple[str, str]]:
    """The shell's pages and every page the menu registry links to (as seen at start-up)."""
    return [(label, reverse(name) + query) for label, name, query in SHELL_PAGES] + menu_pages()


@pytest.mark.parametrize(("label", "url"), signed_in_pages(), ids=lambda v: str(v))
@pytest.mark.django_db
def test_signed_in_page_loads_nothing_from_elsewhere(demo, login, label, url):
    admin = demo["admin"]
    notify([admin], "system", "Offline check", body="body", url="/", actor=demo["director"])
    client = login("admin")
    client.raise_request_exception = False
    response = client.get(url)
    assert response.status_code == 200, f"{label} ({url}): HTTP {response.status_code} for admin"
    problems = audit(f"{label} ({url})", response.content.decode())
    assert not problems, "\n".join(problems)


def test_audit_catches_what_it_should():
    """The net has no holes: each kind of offence is reported."""
    html = """
      <link href="https://cdn.example.com/x.css"><script src="//cdn.example.com/x.js"></script>
      <img src="/static/huike/missing.png"><a href="javascript:void(0)">x</a>
      <button onclick="go()">b</button><script>alert(1)</script>
      <div style="background:url(https://img.example.com/a.png)"></div>
      <script type="application/json" id="ok">{"a": 1}</script>
      <img src="/static/huike/favicon.svg"><a href="/customers/">ok</a>
    """
    problems = audit("t", html)
    text = "\n".join(problems)
    assert "cdn.example.com/x.css" in text and "cdn.example.com/x.js" in text
    assert "missing.png" in text and "javascript:" in text
    assert "onclick" in text and "alert(1)" in text and "img.example.com" in text
    assert "favicon.svg" not in text and "/customers/" not in text and '{"a": 1}' not in text


# -- source scan ----------------------------------------------------------------------------

EXTERNAL_URL = re.compile(r"(?:https?:)?//[a-z0-9.-]+\.[a-z]{2,}[^\s\"'<>)]*", re.I)
ALLOWED_URL = re.compile(r"xmlns(?::\w+)?=[\"']http://www\.w3\.org/[^\"']*[\"']")
INLINE_SCRIPT = re.compile(r"<script\b(?![^>]*\bsrc\s*=)([^>]*)>", re.I)
INLINE_HANDLER = re.compile(r"<[a-z][^>]*?\son[a-z]{3,}\s*=", re.I)
JS_URL = re.compile(r"(?:href|src|action)\s*=\s*[\"']\s*javascript:", re.I)


def source_files() -> list[Path]:
    roots = [HUIKE / "templates", *sorted(HUIKE.glob("*/templates")), HUIKE / "static" / "huike"]
    files = []
    for root in roots:
        files += [p for p in sorted(root.rglob("*")) if p.is_file()]
    return files


def scan(path: Path, text: str) -> list[str]:
    problems = []
    without_namespaces = ALLOWED_URL.sub("", text)
    suffix = path.suffix.lower()
    if suffix == ".js":
        # Only string literals can make the browser fetch something; comments may cite docs.
        without_namespaces = re.sub(r"^\s*//.*$", "", without_namespaces, flags=re.M)
    for match in EXTERNAL_URL.finditer(without_namespaces):
        if suffix in {".html", ".txt", ".svg", ".css"} or match.group().lower().startswith("http"):
            problems.append(f"external URL {match.group()!r}")
    if suffix in {".html", ".svg"}:
        for match in INLINE_SCRIPT.finditer(text):
            script_type = re.search(r"type\s*=\s*[\"']([^\"']+)", match.group(1))
            if not script_type or script_type.group(1).lower() not in DATA_SCRIPT_TYPES:
                problems.append("inline <script> without src (CSP forbids it)")
        for match in INLINE_HANDLER.finditer(text):
            problems.append(f"inline event handler {match.group()[-20:]!r} (CSP forbids it)")
        if JS_URL.search(text):
            problems.append("javascript: URL (CSP forbids it)")
    return problems


def test_source_has_no_external_urls_inline_scripts_or_handlers():
    files = source_files()
    assert any(p.name == "base.html" for p in files)
    problems = []
    for path in files:
        try:
            text = path.read_text(encoding="utf-8")
        except UnicodeDecodeError:
            continue  # images and fonts
        problems += [f"{path.relative_to(HUIKE.parent)}: {p}" for p in scan(path, text)]
    assert not problems, "Offline/CSP rule broken:\n" + "\n".join(problems)


def test_source_scan_catches_what_it_should():
    assert scan(Path("a.html"), '<link href="https://cdn.jsdelivr.net/x.css">')
    assert scan(Path("a.html"), '<script src="//unpkg.com/x.js"></script>')
    assert scan(Path("a.html"), "<script>go()</script>")
    assert scan(Path("a.html"), '<a class="x" onclick="go()">')
    assert scan(Path("a.css"), "@import url(https://fonts.googleapis.com/css);")
    assert scan(Path("a.js"), 'fetch("https://api.example.com/")')
    assert not scan(Path("a.svg"), '<svg xmlns="http://www.w3.org/2000/svg"></svg>')
    assert not scan(Path("a.html"), '<script src="/static/x.js" defer></script>')
    assert not scan(Path("a.html"), '<div x-on:click="open = true" @click="x">')
    assert not scan(Path("a.html"), '<script type="application/json">{}</script>')
