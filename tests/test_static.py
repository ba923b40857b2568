"""Static files (`workshop/web/static_files.py`): gzipped when asked for, revalidated by
ETag, and a participant page whose first load stays under 150 KB on the wire."""

from __future__ import annotations

import gzip
import json
import re
import time
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import pytest
from flask import Flask
from flask.testing import FlaskClient

from tests.factories import create_workshop
from workshop import activities
from workshop.web.static_files import MIN_SIZE, StaticFiles, etag_matches

ROOT = Path(__file__).resolve().parent.parent
STATIC = ROOT / "static"
GZIP = {"Accept-Encoding": "gzip, deflate, br"}
PAGE_BUDGET = 150 * 1000
TRANSLATED_PAGE_BUDGET = 165 * 1000
"""A phone in another language than English also loads its catalogue (`<code>.phone.json`,
16–19 KB gzipped): measured 157.7 KB (French) and 159.5 KB (Arabic) on 2026-12-08."""
"""The participant page's first load, everything included, in bytes on the wire."""


def static_files() -> Iterator[str]:
    for path in sorted(STATIC.rglob("*")):
        if path.is_file():
            yield path.relative_to(STATIC).as_posix()


def test_every_text_file_is_gzipped_and_decompresses_to_the_file(client: FlaskClient) -> None:
    for name in static_files():
        raw = (STATIC / name).read_bytes()
        response = client.get(f"/static/{name}", headers=GZIP)
        assert response.status_code == 200, name
        assert response.headers["Vary"] == "Accept-Encoding"
        assert response.headers["Cache-Control"] == "no-cache"
        if name.endswith((".js", ".css")) and len(raw) >= MIN_SIZE:
            assert response.headers["Content-Encoding"] == "gzip", name
            assert len(response.data) < len(raw), name
        if response.headers.get("Content-Encoding") == "gzip":
            assert gzip.decompress(response.data) == raw, name
        else:
            assert response.data == raw, name
        assert response.headers["Content-Length"] == str(len(response.data))


def test_without_gzip_in_accept_encoding_the_file_goes_as_it_is(client: FlaskClient) -> None:
    raw = (STATIC / "js" / "participant.js").read_bytes()
    for headers in ({}, {"Accept-Encoding": "identity"}, {"Accept-Encoding": "gzip;q=0, br"}):
        response = client.get("/static/js/participant.js", headers=headers)
        assert "Content-Encoding" not in response.headers, headers
        assert response.data == raw
        assert response.headers["Vary"] == "Accept-Encoding"
        assert response.headers["Content-Type"] == "text/javascript; charset=utf-8"


@pytest.mark.parametrize("headers", [GZIP, {}], ids=["gzip", "identity"])
def test_a_matching_etag_gets_a_304_without_a_body(
    client: FlaskClient, headers: dict[str, str]
) -> None:
    first = client.get("/static/css/app.css", headers=headers)
    etag = first.headers["ETag"]
    assert re.fullmatch(r'"[0-9a-f]{20}(-gz)?"', etag)
    for sent in (etag, f"W/{etag}", f'"other", {etag}', "*"):
        again = client.get("/static/css/app.css", headers={**headers, "If-None-Match": sent})
        assert again.status_code == 304, sent
        assert again.data == b""
        assert again.headers["ETag"] == etag
        assert again.headers["Vary"] == "Accept-Encoding"
        assert again.headers["Cache-Control"] == "no-cache"
        assert "Content-Security-Policy" not in again.headers
    stale = client.get("/static/css/app.css", headers={**headers, "If-None-Match": '"old"'})
    assert stale.status_code == 200
    assert stale.data == first.data


def test_the_gzipped_and_the_plain_body_have_their_own_etags(client: FlaskClient) -> None:
    plain = client.get("/static/css/app.css").headers["ETag"]
    packed = client.get("/static/css/app.css", headers=GZIP).headers["ETag"]
    assert packed == plain[:-1] + '-gz"'
    # A phone that holds the plain body does not get a 304 for the gzipped one, and back.
    assert (
        client.get("/static/css/app.css", headers={**GZIP, "If-None-Match": plain}).status_code
        == 200
    )
    assert client.get("/static/css/app.css", headers={"If-None-Match": packed}).status_code == 200


def test_head_sends_the_headers_only(client: FlaskClient) -> None:
    response = client.head("/static/css/app.css", headers=GZIP)
    assert response.status_code == 200
    assert response.headers["Content-Encoding"] == "gzip"
    assert response.data == b""


@pytest.mark.parametrize(
    "path", ["/static/nope.js", "/static/../app.py", "/static/%2e%2e/app.py", "/static/js"]
)
def test_nothing_outside_the_folder_or_missing_is_served(client: FlaskClient, path: str) -> None:
    assert client.get(path).status_code == 404


def test_a_file_is_compressed_once_per_version(app: Flask, tmp_path: Path) -> None:
    files = StaticFiles(str(tmp_path))
    path = tmp_path / "a.css"
    path.write_text("body { color: red; }\n" * 40)
    first = files.get("a.css")
    assert first is not None and first.gzipped is not None
    assert files.get("a.css") is first  # kept, not compressed again
    time.sleep(0.01)
    path.write_text("body { color: blue; }\n" * 40)
    second = files.get("a.css")
    assert second is not None and second is not first
    assert second.etag != first.etag
    assert gzip.decompress(second.gzipped or b"") == path.read_bytes()
    assert files.get("missing.css") is None
    assert files.get("../a.css") is None


def test_etag_matches() -> None:
    assert etag_matches('"a"', '"a"')
    assert etag_matches('W/"a"', '"a"')
    assert etag_matches(' "b" , "a" ', '"a"')
    assert etag_matches("*", '"a"')
    assert not etag_matches("", '"a"')
    assert not etag_matches('"a-gz"', '"a"')


# --------------------------------------------------------------------------- page weight


class Assets(HTMLParser):
    """The stylesheets and scripts a page loads."""

    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        if tag == "link" and found.get("rel") in ("stylesheet", "modulepreload", "preload"):
            assert found.get("href"), found
            self.urls.append(str(found["href"]))
        if tag == "script" and found.get("src"):
            self.urls.append(str(found["src"]))
        if tag == "link" and found.get("rel") == "icon":
            # The favicon is inline: a request for it would add weight and a 404.
            assert str(found.get("href", "")).startswith("data:")


IMPORT = re.compile(
    r"""(?:\bimport\s*(?:[\w*{}\s,$]+\s*from\s*)?|\bexport\s*[\w*{}\s,$]+\s*from\s*|\bimport\s*\(\s*)"""
    r"""["']([^"']+)["']"""
)


CSS_URL = re.compile(r"""@import\s+["']([^"']+)["']|url\(\s*["']?([^"')]+)["']?\s*\)""")


def css_urls(source: str) -> list[str]:
    """What a stylesheet loads: its @imports and url()s, except inline data: URLs."""
    found = (a or b for a, b in CSS_URL.findall(source))
    return [url for url in found if not url.startswith("data:")]


def module_imports(source: str) -> list[str]:
    """The specifiers an ES module imports, statically or dynamically (string literals)."""
    return IMPORT.findall(source)


def test_module_imports_are_found() -> None:
    source = (
        'import a from "./a.js";\nimport { b,\n  c } from "./b.js";\nimport "./c.js";\n'
        "export { d } from './d.js';\nconst e = await import('./e.js');\n"
        'import * as f from "../f.js"'
    )
    assert module_imports(source) == ["./a.js", "./b.js", "./c.js", "./d.js", "./e.js", "../f.js"]
    css = (
        '@import "x.css"; a { background: url(data:image/png;base64,AA) } b { src: url("f.woff2") }'
    )
    assert css_urls(css) == ["x.css", "f.woff2"]


def first_load(client: FlaskClient, page: str) -> dict[str, int]:
    """Every URL the page's first load fetches, with the bytes it sends (headers and body)
    when the browser accepts gzip: the HTML, its stylesheets and scripts, every module those
    scripts import and everything the stylesheets load, transitively."""
    sizes: dict[str, int] = {}
    queue = [page]
    while queue:
        url = queue.pop(0)
        path = urlsplit(url).path
        if path in sizes:
            continue
        response = client.get(url, headers=GZIP)
        assert response.status_code == 200, url
        head = sum(len(f"{k}: {v}\r\n") for k, v in response.headers.items())
        sizes[path] = len(response.data) + head + len("HTTP/1.1 200 OK\r\n\r\n")
        body = response.get_data()
        if response.headers.get("Content-Encoding") == "gzip":
            body = gzip.decompress(body)
        if response.mimetype == "text/html":
            parser = Assets()
            parser.feed(body.decode())
            queue += [urljoin(url, u) for u in parser.urls]
        elif response.mimetype == "text/javascript" and "/vendor/" not in path:
            queue += [urljoin(url, u) for u in module_imports(body.decode())]
        elif response.mimetype == "text/css":
            queue += [urljoin(url, u) for u in css_urls(body.decode())]
    return sizes


def test_the_participant_pages_first_load_is_at_most_150_kb(
    client: FlaskClient, capsys: pytest.CaptureFixture[str]
) -> None:
    code = create_workshop(client)["code"]
    sizes = first_load(client, f"/j/{code}")
    total = sum(sizes.values())
    with capsys.disabled():
        print(
            f"\nparticipant page, first load with gzip: {total / 1000:.1f} KB in {len(sizes)} files"
        )
        for path, size in sorted(sizes.items(), key=lambda kv: -kv[1]):
            print(f"  {size / 1000:6.1f} KB  {path}")
    assert "/static/js/participant.js" in sizes
    assert "/static/js/activities/kinds.js" in sizes
    assert "/static/js/activities/vote.js" in sizes  # preloaded, as every kind's module
    assert "/static/vendor/socket.io-client/socket.io.min.js" in sizes
    assert total <= PAGE_BUDGET, sizes


@pytest.mark.parametrize("language", ["fr", "ar"])
def test_a_translated_phones_first_load_adds_only_the_phones_catalogue(
    client: FlaskClient, capsys: pytest.CaptureFixture[str], language: str
) -> None:
    code = create_workshop(client)["code"]
    client.set_cookie("lang", language)
    sizes = first_load(client, f"/j/{code}")
    total = sum(sizes.values())
    with capsys.disabled():
        print(f"\nparticipant page in {language}, first load with gzip: {total / 1000:.1f} KB")
    # The phone's catalogue, preloaded with the page; never the full one the console loads.
    assert f"/static/i18n/{language}.phone.json" in sizes
    assert f"/static/i18n/{language}.json" not in sizes
    assert total <= TRANSLATED_PAGE_BUDGET, sizes


# --------------------------------------------------------------------------- the kinds


def _kinds(client: FlaskClient) -> list[dict[str, object]]:
    response = client.get("/static/js/activities/kinds.js")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/javascript; charset=utf-8"
    text = response.get_data(as_text=True)
    body = text[text.index("export const KINDS = ") + len("export const KINDS = ") :]
    return list(json.loads(body.rstrip().removesuffix(";")))


def test_kinds_js_is_the_registrys_declarations_cached_like_a_static_file(
    client: FlaskClient,
) -> None:
    assert _kinds(client) == activities.client_declarations()
    assert [k["kind"] for k in _kinds(client)] == list(activities.REGISTRY)
    first = client.get("/static/js/activities/kinds.js", headers=GZIP)
    assert first.headers["Content-Encoding"] == "gzip"
    assert first.headers["Cache-Control"] == "no-cache"
    again = client.get(
        "/static/js/activities/kinds.js", headers={**GZIP, "If-None-Match": first.headers["ETag"]}
    )
    assert again.status_code == 304


def test_a_kind_registered_at_runtime_is_listed_and_its_script_served(
    client: FlaskClient, tmp_path: Path
) -> None:
    script = tmp_path / "echo.js"
    script.write_text('export default { kind: "echo", label: "Echo" };\n' * 10)
    echo = type(
        "Echo",
        (activities.Activity,),
        {"kind": "echo", "label": "Echo", "description": "Says it back.", "script": script},
    )
    before = client.get("/static/js/activities/kinds.js").headers["ETag"]
    activities.register(echo)
    try:
        listed = {k["kind"]: k for k in _kinds(client)}
        assert listed["echo"]["script"] == "/static/js/activities/echo.js"
        changed = client.get("/static/js/activities/kinds.js", headers={"If-None-Match": before})
        assert changed.status_code == 200
        served = client.get("/static/js/activities/echo.js", headers=GZIP)
        assert served.status_code == 200
        assert gzip.decompress(served.data) == script.read_bytes()
        page = client.get(f"/j/{create_workshop(client)['code']}").get_data(as_text=True)
        assert '<link rel="modulepreload" href="/static/js/activities/echo.js">' in page
    finally:
        activities.unregister("echo")
    assert client.get("/static/js/activities/echo.js").status_code == 404
    assert "echo" not in {k["kind"] for k in _kinds(client)}


def test_no_kind_module_imports_the_registry_or_another_kind() -> None:
    """index.js awaits every kind's module at its top level: a kind module importing it would
    wait on itself, and one importing another kind would tie the two together (they reach each
    other through `ctx.activity(kind)`)."""
    for kind, activity in activities.REGISTRY.items():
        script = getattr(activity, "script", None)
        path = Path(script) if script else STATIC / "js" / "activities" / f"{kind}.js"
        imported = {Path(spec).name for spec in module_imports(path.read_text())}
        assert "index.js" not in imported, kind
        others = {f"{other}.js" for other in activities.REGISTRY if other != kind}
        assert not imported & others, (kind, imported & others)


def test_pages_preload_the_kinds_their_modules_and_what_those_import(client: FlaskClient) -> None:
    """No waterfall on a phone: kinds.js, every kind's module and the shared modules they
    import (however deep) are all asked for by the page itself."""
    page = client.get(f"/j/{create_workshop(client)['code']}").get_data(as_text=True)
    preloaded = re.findall(r'<link rel="modulepreload" href="([^"]+)">', page)
    assert preloaded[0] == "/static/js/activities/kinds.js"
    expected = {f"/static/js/activities/{kind}.js" for kind in activities.REGISTRY}
    for url in sorted(expected):  # the built-in modules' own imports
        if (ROOT / url[1:]).exists():
            source = (ROOT / url[1:]).read_text()
            expected |= {urljoin(url, spec) for spec in module_imports(source)}
    assert "/static/js/activities/decision.js" in preloaded
    assert "/static/js/chart.js" in preloaded  # imported by a module a kind module imports
    assert set(preloaded) >= expected - {"/static/js/activities/kinds.js"}
    assert len(preloaded) == len(set(preloaded))
