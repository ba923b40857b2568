"""Trusted hosts and public URLs: which `Host` a request may name, and the address links use.

A link the server prints (the join URL, the QR, a plan or share link) is built from
`PUBLIC_URL`, else the address the server listens on, never from the request's `Host` header:
anyone can send any Host. And a request naming a host that is not one of this server's names
is refused before anything reads it (`host_not_allowed`, 400), which also defeats DNS rebinding
against a server on a LAN (a page on evil.example whose name now resolves to 192.168.1.20 sends
`Host: evil.example`).
"""

from __future__ import annotations

import functools
import ipaddress
import json
import re
import socket
import time
from collections.abc import Callable, Iterable, Iterator
from typing import Any
from urllib.parse import urlsplit

from flask import current_app

WILDCARD_HOSTS = frozenset({"", "0.0.0.0", "::", "[::]"})
"""HOST values that listen on every interface: not a name anyone reaches the server by."""

LOOPBACK = ("localhost", "127.0.0.1", "::1")

WSGIApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]


HOST_HEADER = re.compile(
    r"(?:(?P<name>[a-z0-9-]+(?:\.[a-z0-9-]+)*\.?)|\[(?P<v6>[0-9a-f:.]+)\])(?::(?P<port>[0-9]{1,5}))?",
    re.IGNORECASE | re.ASCII,
)
"""A Host header: a name or IPv4 address (no empty label), or a bracketed IPv6 address, and an
optional port."""


def parse_host_header(value: str) -> str | None:
    """The host a Host header names, normalised (lower case, no port, no brackets, no final
    dot), or None when the header is not a well-formed host[:port] at all."""
    found = HOST_HEADER.fullmatch(value.strip())
    if found is None:
        return None
    port = found.group("port")
    if port is not None and not 1 <= int(port) <= 65535:
        return None
    if found.group("v6") is not None:
        try:
            return str(ipaddress.IPv6Address(found.group("v6")))
        except ValueError:
            return None
    return found.group("name").lower().rstrip(".")


def normalise_host(value: str) -> str:
    """A host name or address as compared (from a setting, a URL or a Host header): lower
    case, no port, no brackets, no final dot. "" for a value that is no host at all."""
    value = value.strip().lower()
    if value.startswith("["):
        end = value.find("]")
        value = value[1:end] if end > 0 else ""
    elif value.count(":") == 1:  # name:port or v4:port; a bare IPv6 address has several colons
        value = value.split(":", 1)[0]
    if ":" in value:
        try:
            return str(ipaddress.IPv6Address(value))
        except ValueError:
            return ""
    return value.rstrip(".")


def lan_address() -> str | None:
    """This machine's address on its network (the interface of the default route), or None.
    Connecting a UDP socket sends nothing; it only picks the route."""
    probe = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        probe.connect(("10.255.255.255", 1))
        address = str(probe.getsockname()[0])
    except OSError:
        return None
    finally:
        probe.close()
    return None if address.startswith("0.") else address


_machine: tuple[float, frozenset[str]] = (-1e9, frozenset())


def machine_names(max_age: float = 30.0) -> frozenset[str]:
    """This machine's names and addresses, looked up again when older than `max_age` s."""
    global _machine
    seen, names = _machine
    if time.monotonic() - seen > max_age:
        names = frozenset(normalise_host(name) for name in _machine_names())
        _machine = (time.monotonic(), names)
    return names


def _machine_names() -> Iterator[str]:
    """The machine's host names and every address they and the default route resolve to."""
    names = {socket.gethostname(), socket.getfqdn()}
    for name in list(names):
        yield name
        try:
            for info in socket.getaddrinfo(name, None):
                yield str(info[4][0])
        except OSError:
            continue
    address = lan_address()
    if address:
        yield address


def url_host(url: str) -> str:
    """The host part of a URL, normalised ("" when there is none)."""
    try:
        return normalise_host(urlsplit(url).hostname or "")
    except ValueError:
        return ""


def default_hosts(config: dict[str, Any] | Any) -> set[str]:
    """The names a request may use when ALLOWED_HOSTS is not set: localhost and the loopbacks,
    this machine's names and addresses, HOST when it names one interface, PUBLIC_URL's host."""
    hosts = set(LOOPBACK)
    hosts.update(machine_names())
    host = str(config.get("HOST") or "")
    if host not in WILDCARD_HOSTS:
        hosts.add(normalise_host(host))
    hosts.add(url_host(str(config.get("PUBLIC_URL") or "")))
    hosts.discard("")
    return hosts


def configured_hosts(setting: str | Iterable[str] | None) -> list[str]:
    """ALLOWED_HOSTS as a list of normalised names: a comma list or a list; [] = the defaults."""
    items = setting.split(",") if isinstance(setting, str) else list(setting or [])
    names = [name.strip() if name.strip() == "*" else normalise_host(name) for name in items]
    return [name for name in names if name]


class HostCheck:
    """WSGI middleware outside the whole app (Socket.IO included): a request whose Host is not
    allowed gets 400 `host_not_allowed` and reaches nothing else."""

    REFRESH_SECONDS = 30.0

    def __init__(self, app: WSGIApp, config: dict[str, Any] | Any) -> None:
        self.app = app
        self.config = config
        explicit = configured_hosts(config.get("ALLOWED_HOSTS"))
        self.any_host = "*" in explicit
        self.explicit = bool(explicit)
        self.allowed = set(explicit)
        if self.explicit:
            # The URLs this server prints must keep working whatever the list says.
            self.allowed.add(url_host(str(config.get("PUBLIC_URL") or "")))
        else:
            self.allowed = default_hosts(config)
        self.refreshed = time.monotonic()

    def allows(self, host_header: str) -> bool:
        """Whether a request with this Host header may go on."""
        host = parse_host_header(host_header)
        if host is None:  # not even a host: nothing downstream could build a URL from it
            return False
        if self.any_host or host in self.allowed:
            return True
        if not self.explicit and time.monotonic() - self.refreshed > self.REFRESH_SECONDS:
            # A laptop on Wi-Fi can get a new address while it runs: look again, now and then.
            self.allowed = default_hosts(self.config)
            self.refreshed = time.monotonic()
            return host in self.allowed
        return False

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        host = environ.get("HTTP_HOST")
        if host is None or self.allows(host):  # no Host at all: HTTP/1.0, not a browser
            return self.app(environ, start_response)
        body = json.dumps(
            {
                "error": {
                    "code": "host_not_allowed",
                    "message": "This server does not answer to that host name (see ALLOWED_HOSTS).",
                }
            }
        ).encode()
        start_response(
            "400 Bad Request",
            [
                ("Content-Type", "application/json"),
                ("Content-Length", str(len(body))),
                ("Cache-Control", "no-store"),
                ("X-Content-Type-Options", "nosniff"),
            ],
        )
        return [body]


@functools.lru_cache(maxsize=1)
def _cached_lan_address() -> str:
    return lan_address() or "127.0.0.1"


def listening_base_url(host: str, port: int | str) -> str:
    """`http://HOST:PORT/`; for a wildcard HOST this machine's LAN address (else 127.0.0.1)."""
    if host in WILDCARD_HOSTS:
        host = _cached_lan_address()
    try:
        if ipaddress.ip_address(host).version == 6:
            host = f"[{host}]"
    except ValueError:
        pass
    return f"http://{host}:{port}/"


def public_base_url() -> str:
    """The address people reach this server at, ending in "/": PUBLIC_URL, else the listening
    address. Never the request's Host header."""
    config = current_app.config
    public = str(config.get("PUBLIC_URL") or "").strip()
    if public:
        return public.rstrip("/") + "/"
    return listening_base_url(str(config.get("HOST") or ""), config.get("PORT", 5000))


def reachable_url(url: str) -> bool:
    """Whether phones on the network can open a link to `url`: False when its host is this
    machine's loopback (localhost, 127.0.0.0/8, ::1)."""
    host = url_host(url)
    if host == "localhost" or host.endswith(".localhost"):
        return False
    try:
        return not ipaddress.ip_address(host).is_loopback
    except ValueError:
        return True


def public_origins(public_url: str) -> list[str]:
    """PUBLIC_URL's origin and its websocket twin (http→ws, https→wss), for connect-src."""
    parts = urlsplit(public_url.strip())
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return []
    netloc = parts.netloc.rsplit("@", 1)[-1]
    socket_scheme = "wss" if parts.scheme == "https" else "ws"
    return [f"{parts.scheme}://{netloc}", f"{socket_scheme}://{netloc}"]
