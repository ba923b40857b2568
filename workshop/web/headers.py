"""User text on its way into HTTP headers and log lines: safe whatever the script it is in.

HTTP header values are Latin-1 on the wire, so a title such as "Стратегия 2027" cannot go into
a header as it is: the WSGI server fails while writing the response and the browser sees the
connection drop. Filenames travel as RFC 6266 / RFC 5987 `filename*=UTF-8''…` with a plain
ASCII `filename="…"` for old clients; log lines carry paths percent-encoded.
"""

from __future__ import annotations

import unicodedata
from urllib.parse import quote

FALLBACK_STEM = "workshop"
STEM_MAX_LENGTH = 60

# Characters a path may show in a log line as they are; everything else is percent-encoded,
# so a line can never be split or forged by a CR or LF in a URL.
_PATH_SAFE = "/:@!$&'()*+,;=-._~"


def _slug(text: str) -> str:
    """Lower-case words of `text` (letters and digits of any script) joined by dashes."""
    kept = "".join(ch if ch.isalnum() else "-" for ch in text.lower())
    return "-".join(part for part in kept.split("-") if part)


def download_stem(title: str) -> str:
    """The title as a filename stem in its own script, e.g. "стратегия-2027"."""
    stem = _slug(unicodedata.normalize("NFC", title))[:STEM_MAX_LENGTH].strip("-")
    return stem or FALLBACK_STEM


def ascii_stem(title: str) -> str:
    """The title as an ASCII-only stem: accents dropped, other scripts left out."""
    decomposed = unicodedata.normalize("NFKD", title)
    # Accents (combining marks) and letters of other scripts go; any other character outside
    # ASCII (an en dash, a non-breaking space, a bullet) separates words as a dash would, so
    # "2026\u20132031" stays "2026-2031" rather than "20262031".
    ascii_only = "".join(
        ch
        if ch.isascii()
        else ""
        if unicodedata.category(ch).startswith("M") or ch.isalnum()
        else " "
        for ch in decomposed
    )
    stem = _slug(ascii_only)[:STEM_MAX_LENGTH].strip("-")
    return stem or FALLBACK_STEM


def content_disposition(disposition: str, *, stem: str, ascii_fallback: str, ext: str) -> str:
    """A Content-Disposition value with an ASCII `filename` and a UTF-8 `filename*`."""
    fallback = f"{ascii_fallback}.{ext}"
    encoded = quote(f"{stem}.{ext}", safe="")
    return f"{disposition}; filename=\"{fallback}\"; filename*=UTF-8''{encoded}"


def plan_disposition(
    title: str,
    ext: str,
    *,
    attachment: bool = True,
    kind: str = "strategic-plan",
    suffix: str = "",
) -> str:
    """The Content-Disposition of a plan download: <kind>-<title><suffix>.<ext>, e.g.
    strategic-plan-acme-2030-v2.pdf or ideas-acme-2030-draft.csv."""
    return content_disposition(
        "attachment" if attachment else "inline",
        stem=f"{kind}-{download_stem(title)}{suffix}",
        ascii_fallback=f"{kind}-{ascii_stem(title)}{suffix}",
        ext=ext,
    )


def loggable_path(path: str) -> str:
    """A request path for a log line: ASCII, percent-encoded, without control characters."""
    return quote(path, safe=_PATH_SAFE)


SHARE_PREFIX = "s"


def redacted_path(path: str) -> str:
    """A path without the secrets it may carry: a share link's `/s/<secret>/…` is logged as
    `/s/…/…`, since whoever reads the log must not be able to open the plan. Empty and "."
    segments are skipped as the router would (`/s//<secret>`, `/./s/<secret>`)."""
    parts = path.split("/")
    meaningful = [index for index, part in enumerate(parts) if part not in ("", ".")]
    if len(meaningful) >= 2 and parts[meaningful[0]] == SHARE_PREFIX:
        parts[meaningful[1]] = "…"
    return "/".join(parts)
