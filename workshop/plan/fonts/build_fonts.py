"""Rebuild the bundled fallback fonts from their npm packages (see README.md here).

Run from a folder where `npm pack` left the packages unpacked (see README.md), then copy
the .ttf files and licences into workshop/plan/fonts/. Needs only fontTools.
"""

from __future__ import annotations

import sys
from pathlib import Path

from fontTools import subset  # type: ignore[import-untyped]
from fontTools.ttLib import TTFont  # type: ignore[import-untyped]


def codec_chars(codec: str, lead: range, trail: list[int] | range) -> set[str]:
    """Every character a two-byte legacy character set encodes: its repertoire."""
    found = set()
    for a in lead:
        for b in trail:
            try:
                text = bytes([a, b]).decode(codec)
            except UnicodeDecodeError:
                continue
            if len(text) == 1:
                found.add(text)
    return found


def ranges(*spans: tuple[int, int]) -> set[str]:
    return {chr(c) for a, b in spans for c in range(a, b + 1)}


def cjk_text() -> set[str]:
    """Simplified Chinese (GB 2312), Japanese (JIS X 0208) and common traditional Chinese
    (Big5 level 1) ideographs, with kana, bopomofo, CJK punctuation and full-width forms."""
    chars = codec_chars("gb2312", range(0xA1, 0xF8), range(0xA1, 0xFF))
    chars |= codec_chars("euc_jp", range(0xA1, 0xF5), range(0xA1, 0xFF))
    chars |= codec_chars("big5", range(0xA4, 0xC7), [*range(0x40, 0x7F), *range(0xA1, 0xFF)])
    chars |= ranges((0x3000, 0x30FF), (0x3100, 0x312F), (0x31F0, 0x31FF), (0xFF00, 0xFFEF))
    return {c for c in chars if ord(c) > 0x2000}


def build(
    source: Path,
    target: Path,
    *,
    text: set[str] | None = None,
    unicodes: str = "*",
    features: str = "*",
    names: bool = False,
) -> None:
    options = subset.Options()
    options.hinting = False
    options.layout_features = ["*"] if features == "*" else features.split(",")
    options.name_IDs = ["*"]
    options.notdef_outline = True
    font = subset.load_font(str(source), options)
    if source.suffix in (".woff", ".woff2"):
        font.flavor = None
    sub = subset.Subsetter(options)
    if text is not None:
        sub.populate(text="".join(sorted(text)))
    else:
        cmap = font.getBestCmap()
        sub.populate(unicodes=list(cmap) if unicodes == "*" else subset.parse_unicodes(unicodes))
    sub.subset(font)
    font.flavor = None
    if names:
        # Glyph names kept (post table format 2): fpdf2 reads a font's glyph order on every
        # add_font, and naming 11,000 glyphs from the cmap instead takes twice as long.
        font["post"].formatType = 2.0
        font["post"].extraNames = []
        font["post"].mapping = {}
    subset.save_font(font, str(target), options)
    check = TTFont(str(target))
    assert "glyf" in check, f"{target}: TrueType outlines expected"
    print(f"{target.name}: {target.stat().st_size} bytes, {len(check.getBestCmap())} characters")


def main(npm: Path, out: Path) -> None:
    pkg = {p.name.rsplit("-", 1)[0]: p for p in npm.iterdir() if p.is_dir()}

    def src(name: str, face: str) -> Path:
        folder = pkg[f"expo-google-fonts-noto-{name}"]
        return folder / "package/400Regular" / f"Noto{face}_400Regular.ttf"

    build(src("sans-arabic", "SansArabic"), out / "NotoSansArabic-Regular.ttf")
    bold = pkg["expo-google-fonts-noto-sans-arabic"] / "package/700Bold"
    build(bold / "NotoSansArabic_700Bold.ttf", out / "NotoSansArabic-Bold.ttf")
    build(src("sans-devanagari", "SansDevanagari"), out / "NotoSansDevanagari-Regular.ttf")
    build(src("sans-thai", "SansThai"), out / "NotoSansThai-Regular.ttf")
    build(src("emoji", "Emoji"), out / "NotoEmoji-Regular.ttf")
    hebrew = pkg["fontsource-noto-sans-hebrew"] / "package/files"
    build(hebrew / "noto-sans-hebrew-hebrew-400-normal.woff", out / "NotoSansHebrew-Regular.ttf")
    build(hebrew / "noto-sans-hebrew-hebrew-700-normal.woff", out / "NotoSansHebrew-Bold.ttf")
    build(
        src("sans-sc", "SansSC"),
        out / "NotoSansCJK-Subset.ttf",
        text=cjk_text(),
        features="ccmp,locl,vert,halt,palt,kern",
        names=True,
    )
    build(
        src("sans-kr", "SansKR"),
        out / "NotoSansKR-Hangul.ttf",
        text=ranges((0xAC00, 0xD7A3), (0x1100, 0x11FF), (0x3130, 0x318F))
        | ranges((0x3000, 0x303F)),
        features="ccmp,ljmo,vjmo,tjmo,locl,kern",
        names=True,
    )


if __name__ == "__main__":
    main(Path(sys.argv[1]), Path(sys.argv[2]))
