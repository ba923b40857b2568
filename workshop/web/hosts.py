"""Trusted hosts and public URLs: which `Host` a request may name, and the address links use.

A link the server prints (the join URL, the QR, a plan or share link) is built from
`PUBLIC_URL`, else the address the server listens on, never from the request's `Host` header:
anyone can send any Host. And a request naming a host that is not one of this server's names
is refused before anything reads it (`host_not_allowed`, 400), which also defeats DNS rebinding
against a server on a LAN (a page on evil.example whose name now resolves to 192.168.1.20 sends
`Host: evil.example`).
"""

from __future__ import annotations

import ipaddress
import json
import logging
import re
import socket
import time
from collections.abc import Callable, Iterable, Iterator
from typing import Any
from urllib.parse import urlsplit

import ifaddr
from flask import current_app
from werkzeug.http import parse_cookie

from .. import i18n

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
    """This machine's IPv4 address on its network (the interface of the default route), or
    None. Connecting a UDP socket sends nothing; it only picks the route."""
    probe = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        probe.connect(("10.255.255.255", 1))
        address = str(probe.getsockname()[0])
    except OSError:
        return None
    finally:
        probe.close()
    return address if _reachable_address(address) else None


def _reachable_address(address: str) -> bool:
    """Whether another device could open this address of ours: not loopback, link-local
    (169.254.x.x, fe80::), multicast, unspecified or the old site-local range. A LAN's own
    IPv6 addresses (fd00::/8) count: phones on that LAN reach them."""
    try:
        ip = ipaddress.ip_address(address.split("%", 1)[0])
    except ValueError:
        return False
    if isinstance(ip, ipaddress.IPv6Address) and (ip.ipv4_mapped or ip.is_site_local):
        return False
    return not (ip.is_loopback or ip.is_link_local or ip.is_multicast or ip.is_unspecified)


def interface_addresses() -> list[tuple[str, str]]:
    """Every (address, interface name) on this machine's network interfaces that other
    devices could open (see `_reachable_address`), in the order the system lists them;
    [] when the interfaces cannot be read."""
    try:
        adapters = ifaddr.get_adapters()
    except (OSError, ValueError, AttributeError):  # ctypes could not read the list
        return []
    found: list[tuple[str, str]] = []
    for adapter in adapters:
        for ip in adapter.ips:
            raw = ip.ip if isinstance(ip.ip, str) else ip.ip[0]
            address = str(raw).split("%", 1)[0]
            if _reachable_address(address):
                found.append((normalise_host(address), str(adapter.nice_name)))
    return found


def lan_interfaces(host: str = "0.0.0.0") -> list[tuple[str, str]]:
    """The (address, interface name) pairs phones on the network can reach this server at
    when it listens on `host`: for "0.0.0.0" (or "") every IPv4 address of the machine's
    interfaces, for "::" (dual-stack, see app.py's `listen`) those and then every IPv6 one;
    the default route's address first. For a HOST naming one interface, that address alone
    (interface name ""), whatever it is. [] when the machine has no address but loopback."""
    if host not in WILDCARD_HOSTS:
        return [(normalise_host(host) or host, "")]
    with_v6 = host in ("::", "[::]")
    listed = interface_addresses()
    names = dict(listed)
    ordered: list[tuple[str, str]] = []
    primary = lan_address()
    if primary is not None:
        ordered.append((primary, names.get(primary, "")))
    for address, name in listed:
        if ":" in address:
            continue
        if all(address != seen for seen, _ in ordered):
            ordered.append((address, name))
    if with_v6:
        ordered.extend((address, name) for address, name in listed if ":" in address)
    return ordered


def lan_addresses(host: str = "0.0.0.0") -> list[str]:
    """The addresses phones on the network can reach this server at when it listens on
    `host`, default route first (see `lan_interfaces`); [] when there is none but loopback."""
    return [address for address, _name in lan_interfaces(host)]


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
    """The machine's host names, every address they resolve to, and every address of its
    network interfaces."""
    names = {socket.gethostname(), socket.getfqdn()}
    for name in list(names):
        yield name
        try:
            for info in socket.getaddrinfo(name, None):
                yield str(info[4][0])
        except OSError:
            continue
    # Every address `python app.py` prints for phones must pass the Host check.
    yield from lan_addresses("::")


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
        cookie = parse_cookie(str(environ.get("HTTP_COOKIE") or "")).get(i18n.COOKIE)
        with i18n.use_language(i18n.language_of(cookie, environ.get("HTTP_ACCEPT_LANGUAGE"))):
            message = i18n.gettext(
                "This server does not answer to that host name (see ALLOWED_HOSTS)."
            )
        body = json.dumps({"error": {"code": "host_not_allowed", "message": message}}).encode()
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


_primary: dict[str, tuple[float, str]] = {}


def primary_address(host: str, max_age: float = 30.0) -> str:
    """The address join links carry when the server listens on every interface (`host`
    "0.0.0.0" or "::"): the first of `lan_addresses` (the default route's), else 127.0.0.1.
    Looked up again when older than `max_age` s, so a laptop that changes networks links to
    its new address (a link to the old one could not be opened anyway)."""
    seen, address = _primary.get(host, (-1e9, ""))
    if time.monotonic() - seen > max_age:
        address = next(iter(lan_addresses(host)), "127.0.0.1")
        _primary[host] = (time.monotonic(), address)
    return address


def base_url_for(host: str, port: int | str) -> str:
    """`http://HOST:PORT/`, IPv6 addresses in brackets."""
    try:
        if ipaddress.ip_address(host).version == 6:
            host = f"[{host}]"
    except ValueError:
        pass
    return f"http://{host}:{port}/"


def listening_base_url(host: str, port: int | str) -> str:
    """`http://HOST:PORT/`; for a wildcard HOST this machine's primary LAN address (else
    127.0.0.1: then phones cannot join, and `join_reachable` says so)."""
    if host in WILDCARD_HOSTS:
        host = primary_address(host)
    return base_url_for(normalise_host(host) or host, port)


def public_base_url() -> str:
    """The address people reach this server at, ending in "/": PUBLIC_URL, else the listening
    address. Never the request's Host header: a console opened at 127.0.0.1 still shows
    phones the LAN address."""
    config = current_app.config
    public = str(config.get("PUBLIC_URL") or "").strip()
    if public:
        return public.rstrip("/") + "/"
    return listening_base_url(str(config.get("HOST") or ""), config.get("PORT", 5000))


def reachable_url(url: str) -> bool:
    """Whether phones on the network can open a link to `url`: False when it is no http(s)
    URL with a host, or its host is this machine's loopback (localhost, 127.0.0.0/8, ::1) or
    the wildcard 0.0.0.0 / ::, which no one can open."""
    try:
        scheme = urlsplit(url.strip()).scheme.lower()
    except ValueError:
        return False
    host = url_host(url)
    if scheme not in ("http", "https") or not host:
        return False
    if host == "localhost" or host.endswith(".localhost"):
        return False
    try:
        ip = ipaddress.ip_address(host)
    except ValueError:
        return True
    return not (ip.is_loopback or ip.is_unspecified)


FIX_LOOPBACK = (
    "To let phones join, restart with HOST=0.0.0.0 (listen on every network interface), "
    "or set PUBLIC_URL to the address phones reach this server at."
)


def start_lines(
    *,
    host: str,
    port: int | str,
    public_url: str,
    join_base: str,
    interfaces: list[tuple[str, str]],
    allows: Callable[[str], bool] = lambda _host: True,
) -> list[tuple[int, str]]:
    """What `python app.py` says when it starts, as (logging level, line): where join links
    point, then every URL phones can open, one per line (PUBLIC_URL, and with a wildcard HOST
    each of `interfaces`, from `lan_interfaces`), or, when phones cannot join at all, that
    they cannot and how to fix it. `allows` is the Host check: a URL it refuses is named as
    refused, not offered."""
    public = public_url.strip()
    where = "PUBLIC_URL" if public else "the listening address"
    lines: list[tuple[int, str]] = [
        (logging.INFO, f"Strategy Workshop at {join_base} (join links and the QR code: {where})")
    ]
    wildcard = host in WILDCARD_HOSTS
    urls: list[tuple[str, str]] = []
    if public:
        urls.append((public.rstrip("/") + "/", "PUBLIC_URL"))
    if wildcard:
        urls.extend((base_url_for(address, port), name) for address, name in interfaces)
    elif not public:
        urls.append((base_url_for(normalise_host(host) or host, port), "HOST"))
    offered = 0
    for url, label in urls:
        if not reachable_url(url):
            continue
        named = f" ({label})" if label else ""
        if not allows(urlsplit(url).netloc):
            lines.append((logging.WARNING, f"Not in ALLOWED_HOSTS, so refused: {url}{named}"))
            continue
        lines.append((logging.INFO, f"Phones can join at {url}{named}"))
        offered += 1
    join_opens = reachable_url(join_base) and allows(urlsplit(join_base).netloc)
    if offered and join_opens:
        if wildcard:
            lines.append((logging.INFO, f"This machine also: {base_url_for('127.0.0.1', port)}"))
        return lines
    if public and not reachable_url(public):
        reason = f"PUBLIC_URL {public} is not an address another device can open"
        fix = "Set PUBLIC_URL to the http(s) address phones reach this server at."
    elif wildcard and not interfaces:
        reason = "this machine has no network address besides loopback, so links say 127.0.0.1"
        fix = (
            "Connect this machine to the room's network (Wi-Fi, a hotspot) and restart, "
            "or set PUBLIC_URL."
        )
    elif not wildcard and not public and not reachable_url(base_url_for(host, port)):
        reason = f"the server listens on this machine only (HOST={host})"
        fix = FIX_LOOPBACK
    else:
        reason = f"join links point at {join_base}, which ALLOWED_HOSTS refuses"
        fix = "Add that address to ALLOWED_HOSTS, or set PUBLIC_URL."
    # Phones may still open a URL listed above by hand, but not the QR code or the link.
    who = "Phones cannot join" if not offered else "Join links and the QR code fail on phones"
    lines.append((logging.WARNING, f"{who}: {reason}."))
    lines.append((logging.WARNING, fix))
    return lines


def public_origins(public_url: str) -> list[str]:
    """PUBLIC_URL's origin and its websocket twin (http→ws, https→wss), for connect-src."""
    parts = urlsplit(public_url.strip())
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return []
    netloc = parts.netloc.rsplit("@", 1)[-1]
    socket_scheme = "wss" if parts.scheme == "https" else "ws"
    return [f"{parts.scheme}://{netloc}", f"{socket_scheme}://{netloc}"]
