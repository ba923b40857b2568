"""Every script in the plan's PDF and DOCX (issue 15).

The PDF is read back with pypdf, an independent reader: each participant's words come out
in logical order (pypdf puts right-to-left runs back in reading order), with nothing printed
as U+FFFD. The DOCX is read back with python-docx and its XML: the right-to-left paragraph is
marked so, and each script's runs name a font and a language.
"""

from __future__ import annotations

import io
import logging
import re
import time
from dataclasses import replace

import pytest
from docx import Document
from docx.oxml.ns import qn
from fpdf import FPDF
from pypdf import PdfReader

from tests.plan_samples import FINISHED_AT, item, stage
from workshop import i18n
from workshop.plan import PlanDocument, assemble_plan
from workshop.plan import layout as lay
from workshop.plan import pdf as plan_pdf
from workshop.plan.pdf import render_pdf
from workshop.plan.word import render_docx

VALUE = "Équipe soudée — 团队精神 💪"
ARABIC_GOAL = "زيادة الصادرات الخضراء في المنطقة"
HEBREW_GOAL = "צמיחה בת קיימא לכל הקהילה"
THAI_PROJECT = "โครงการพัฒนาชุมชนท้องถิ่น"
HINDI_ACTION = "कार्य योजना बनाएँ और लागू करें"
JAPANESE = "日本語のテキスト"
KOREAN = "한국어 텍스트"
GREEK_CYRILLIC = "Ελληνικά и кириллица"
SAMPLES = (VALUE, ARABIC_GOAL, HEBREW_GOAL, THAI_PROJECT, HINDI_ACTION, JAPANESE, KOREAN)
NO_FONT = "\U000f8d00"
"""A private-use character of a supplementary plane: no bundled font has it."""


def scripts_plan(extra_goal: str | None = None) -> PlanDocument:
    goals = [
        item(1, ARABIC_GOAL, 1, selected=True),
        item(2, HEBREW_GOAL, 2, selected=True),
        item(3, f"{JAPANESE} {KOREAN}", 3, selected=True),
        item(4, GREEK_CYRILLIC, 4, selected=True),
    ]
    if extra_goal is not None:
        goals.append(item(5, extra_goal, 5, selected=True))
    return assemble_plan(
        title="Every script",
        organization=None,
        horizon_years=3,
        finished_at=FINISHED_AT,
        participants=4,
        stages=[
            stage("values", "Values", [item(1, VALUE, 1, selected=True)]),
            stage("goals", "Strategic goals", goals),
            stage("projects", "Projects", [item(1, THAI_PROJECT, 1, selected=True)]),
            stage("actions", "Actions", [item(1, HINDI_ACTION, 1, selected=True)]),
        ],
    )


def pdf_text(data: bytes) -> str:
    return " ".join(" ".join(p.extract_text() for p in PdfReader(io.BytesIO(data)).pages).split())


@pytest.fixture(scope="module")
def pdf() -> bytes:
    return render_pdf(scripts_plan())


@pytest.fixture(scope="module")
def docx_xml() -> str:
    document = Document(io.BytesIO(render_docx(scripts_plan())))
    return document.element.xml


@pytest.mark.parametrize("sample", SAMPLES)
def test_the_pdf_prints_each_script_in_logical_order(pdf: bytes, sample: str) -> None:
    assert sample in pdf_text(pdf)


def test_the_pdf_prints_no_replacement_character_and_embeds_the_fallbacks(pdf: bytes) -> None:
    text = pdf_text(pdf)
    assert "\ufffd" not in text
    assert GREEK_CYRILLIC in text
    fonts = {
        str(font["/BaseFont"])
        for page in PdfReader(io.BytesIO(pdf)).pages
        for font in page["/Resources"]["/Font"].values()
    }
    for family in ("Arabic", "Hebrew", "Thai", "Devanagari", "SansSC", "SansKR", "Emoji"):
        assert any(family in name for name in fonts), (family, fonts)


def test_arabic_is_shaped_not_letter_by_letter(pdf: bytes) -> None:
    """Shaped Arabic uses the joined forms' glyphs: the page draws fewer distinct glyph
    codes for the goal than isolated letters would need, and never the presentation-form
    characters (which extraction would give back instead of the letters typed)."""
    text = pdf_text(pdf)
    assert not re.search("[\ufb50-\ufdff\ufe70-\ufeff]", text)
    assert ARABIC_GOAL in text


def test_a_plain_plan_embeds_no_fallback_font() -> None:
    plan = replace(
        scripts_plan(),
        stages=(stage("values", "Values", [item(1, "Plain words", 1, selected=True)]),),
    )
    reader = PdfReader(io.BytesIO(render_pdf(plan)))
    fonts = {
        str(font["/BaseFont"])
        for page in reader.pages
        for font in page["/Resources"]["/Font"].values()
    }
    assert all("DejaVu" in name for name in fonts), fonts


def test_a_character_no_font_has_is_logged_with_the_workshop_and_left_out(
    caplog: pytest.LogCaptureFixture,
) -> None:
    plan = scripts_plan(extra_goal=f"Private {NO_FONT} sign")
    with caplog.at_level(logging.WARNING, logger="workshop.plan.pdf"):
        data = render_pdf(plan, workshop_id="w-missing-glyph")
    warnings = [r.getMessage() for r in caplog.records if r.name == "workshop.plan.pdf"]
    assert len(warnings) == 1
    assert "w-missing-glyph" in warnings[0]
    assert "U+F8D00" in warnings[0]
    text = pdf_text(data)
    assert "Private sign" in text
    assert "\ufffd" not in text


@pytest.mark.parametrize("language", ["en", "ar"])
def test_the_same_plan_gives_the_same_pdf_after_a_warm_start(language: str) -> None:
    """`prepare` parses every font ahead (the warm worker): its render is byte for byte a
    cold one's, the fonts it did not use left out; an Arabic (mirrored) plan too."""
    plan = replace(scripts_plan(), language=language)
    with i18n.use_language(language):
        cold = render_pdf(plan)
        plan_pdf.prepare()
        warm = render_pdf(plan)
    assert warm == cold


def test_the_docx_marks_the_arabic_paragraph_right_to_left() -> None:
    document = Document(io.BytesIO(render_docx(scripts_plan())))
    arabic = [p for p in document.paragraphs if ARABIC_GOAL in p.text]
    assert arabic
    for paragraph in arabic:
        p_pr = paragraph._p.pPr
        assert p_pr is not None and p_pr.find(qn("w:bidi")) is not None
        runs = [r for r in paragraph._p.iter(qn("w:r")) if "ز" in "".join(r.itertext())]
        assert runs
        for run in runs:
            r_pr = run.find(qn("w:rPr"))
            assert r_pr.find(qn("w:rtl")) is not None
            assert r_pr.find(qn("w:rFonts")).get(qn("w:cs"))
            assert r_pr.find(qn("w:lang")).get(qn("w:bidi")) == "ar-SA"
    latin = next(p for p in document.paragraphs if p.text == "Strategic goals")
    assert latin._p.pPr.find(qn("w:bidi")) is None


def test_the_docx_names_a_font_and_language_for_each_script(docx_xml: str) -> None:
    for font in ("Microsoft YaHei", "Yu Gothic", "Malgun Gothic", "Tahoma", "Nirmala UI"):
        assert f'"{font}"' in docx_xml, font
    for language in ("ja-JP", "ko-KR", "zh-CN", "he-IL", "th-TH", "hi-IN"):
        assert f'"{language}"' in docx_xml, language
    assert 'w:ascii="Segoe UI Emoji"' in docx_xml


def test_the_docx_keeps_every_script_as_typed() -> None:
    document = Document(io.BytesIO(render_docx(scripts_plan())))
    text = "\n".join(
        "".join(t.text or "" for t in p.iter(qn("w:t")))
        for p in document.element.body.iter(qn("w:p"))
    )
    for sample in SAMPLES:
        assert sample in text


def test_the_docx_names_the_plan_language_on_its_defaults() -> None:
    document = Document(io.BytesIO(render_docx(replace(scripts_plan(), language="fr"))))
    lang = document.styles.element.xpath("./w:docDefaults/w:rPrDefault/w:rPr/w:lang")
    assert lang and lang[0].get(qn("w:val")) == "fr-FR"


def test_a_plan_in_arabic_reads_right_to_left() -> None:
    """In an Arabic plan every paragraph without a strong character of its own is right to
    left too, and tables run right to left."""
    document = Document(io.BytesIO(render_docx(replace(scripts_plan(), language="ar"))))
    body = document.element.body
    assert body.xpath(".//w:tblPr/w:bidiVisual")
    data = render_pdf(replace(scripts_plan(), language="ar"))
    assert ARABIC_GOAL in pdf_text(data)


def test_shaping_keeps_the_render_fast() -> None:
    """The scripts plan (nine fonts, every line shaped) renders within a few seconds even in
    a cold process; a warm one is much faster (see docs/plan-format.md for the figures)."""
    started = time.perf_counter()
    render_pdf(scripts_plan())
    assert time.perf_counter() - started < 20


def test_a_long_line_of_chinese_wraps_within_the_page() -> None:
    """Chinese has no spaces: a long goal is broken between characters, every piece inside
    the page's width, and reads back whole."""
    goal = "建设区域绿色港口培训学院" * 20
    data = render_pdf(scripts_plan(extra_goal=goal))
    assert goal in "".join(pdf_text(data).split())
    starts: list[float] = []

    def visit(text: str, cm: list[float], tm: list[float], *_: object) -> None:
        if text.strip() and "建" in text:
            starts.append(float(cm[0]) * float(tm[4]) + float(cm[4]))

    for page in PdfReader(io.BytesIO(data)).pages:
        page.extract_text(visitor_text=visit)
        assert all(len(line) <= 60 for line in page.extract_text().splitlines() if "建" in line)
    assert starts
    assert all(0 <= x < 595 - 56 for x in starts)


# ---------------------------------------------------------------------------------------
# An Arabic plan's pages are laid out right to left (mirrored): what an English plan puts
# at the left margin ends at the right one. Positions are read as fpdf2 draws them.

PAGE_WIDTH = 595.28
RIGHT_EDGE = PAGE_WIDTH - plan_pdf.MARGIN


def record(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, float, float]]:
    """From now on, every line of text a PDF draws: (text, left x, right x) on the page."""
    drawn: list[tuple[str, float, float]] = []
    shaped, text = plan_pdf._Fonts.shaped, FPDF.text

    def spy_shaped(
        self: plan_pdf._Fonts, x: float, baseline: float, line: str, face: str, size: float
    ) -> None:
        drawn.append((line, x, x + plan_pdf._shaped_width(line, face) * size))
        shaped(self, x, baseline, line, face, size)

    def spy_text(self: FPDF, x: float, y: float, line: str = "") -> None:
        drawn.append((line, x, x + float(self.get_string_width(line))))
        text(self, x, y, line)

    monkeypatch.setattr(plan_pdf._Fonts, "shaped", spy_shaped)
    monkeypatch.setattr(FPDF, "text", spy_text)
    return drawn


def drawn_lines(
    monkeypatch: pytest.MonkeyPatch, plan: PlanDocument
) -> list[tuple[str, float, float]]:
    drawn = record(monkeypatch)
    with i18n.use_language(plan.language):
        render_pdf(plan)
    monkeypatch.undo()
    return drawn


def test_an_arabic_plan_ends_its_headings_and_paragraphs_at_the_right_margin(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """What starts at the left margin in English ends at the right margin in Arabic: the
    headings, the cover's title, the running header, the goals."""
    lines = drawn_lines(monkeypatch, replace(scripts_plan(), language="ar"))
    with i18n.use_language("ar"):
        heading = i18n.gettext("Strategic goals")
    headings = [(left, right) for text, left, right in lines if text == heading]
    assert headings and all(abs(right - RIGHT_EDGE) < 0.5 for _, right in headings), headings
    title = [right for text, _, right in lines if text.endswith("Every script")]
    assert title and all(abs(right - RIGHT_EDGE) < 0.5 for right in title), title
    goal = [right for text, _, right in lines if text == ARABIC_GOAL]
    assert goal and all(RIGHT_EDGE - 60 < right <= RIGHT_EDGE + 0.5 for right in goal), goal
    english = drawn_lines(monkeypatch, replace(scripts_plan(), language="en"))
    lefts = [left for text, left, _ in english if text == "Strategic goals"]
    assert any(abs(left - plan_pdf.MARGIN) < 0.5 for left in lefts), lefts


def test_an_arabic_plan_sets_list_numbers_at_the_right_of_their_items(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A goal's number stands right of its text, on the strategy page and in the lists."""
    lines = drawn_lines(monkeypatch, replace(scripts_plan(), language="ar"))
    numbered = 0
    for index, (text, _, right) in enumerate(lines):
        if text in (ARABIC_GOAL, HEBREW_GOAL) and index and lines[index - 1][0] in ("1.", "2."):
            assert lines[index - 1][1] > right, (lines[index - 1], text, right)
            numbered += 1
    assert numbered >= 2


def test_an_arabic_table_runs_right_to_left(monkeypatch: pytest.MonkeyPatch) -> None:
    """The first column is at the right, each cell right-aligned in its column; in English
    the first column is at the left, each cell left-aligned."""
    table = lay.Table(
        columns=("الاسم", "المسؤول", "Year"),
        rows=(("مشروع", "Ana", "2027"),),
        numeric=(False, False, True),
    )
    found = {}
    for direction in ("ltr", "rtl"):
        pdf = plan_pdf._PlanPDF("", False)
        pdf.direction = direction
        pdf.add_page()
        drawn = record(monkeypatch)
        plan_pdf._table(pdf, table)
        monkeypatch.undo()
        pdf.drop_unused()
        pdf.output()  # (written, so every font file it opened is closed)
        found[direction] = {text: (left, right) for text, left, right in drawn}
    ltr, rtl = found["ltr"], found["rtl"]
    assert ltr["الاسم"][0] < ltr["المسؤول"][0] < ltr["Year"][0]
    assert abs(ltr["الاسم"][0] - plan_pdf.MARGIN - plan_pdf.PAD_X) < 0.5
    assert rtl["الاسم"][0] > rtl["المسؤول"][0] > rtl["Year"][0]
    for cell in ("الاسم", "مشروع"):
        assert abs(rtl[cell][1] - (RIGHT_EDGE - plan_pdf.PAD_X)) < 0.5, (cell, rtl[cell])
    assert abs(rtl["Ana"][1] - (PAGE_WIDTH - ltr["Ana"][0])) < 0.5


HEBREW_ITEM = "🤝 שיתוף פעולה"
ARABIC_ITEM = "الشفافية في كل القرارات"


def mixed_plan() -> PlanDocument:
    with i18n.use_language("fr"):
        return assemble_plan(
            title="Mixte",
            organization=None,
            horizon_years=3,
            finished_at=FINISHED_AT,
            participants=4,
            stages=[
                stage(
                    "values",
                    "Valeurs",
                    [
                        item(1, "Équipe soudée", 1, selected=True, votes=3),
                        item(2, HEBREW_ITEM, 2, votes=1),
                        item(3, ARABIC_ITEM, 3, votes=1),
                    ],
                    label="votes",
                )
            ],
            language="fr",
        )


def visual(line: str, direction: str = "ltr") -> str:
    """The line in the order the PDF draws it (fpdf2's bidirectional algorithm), isolates
    left out as fpdf2 leaves them out of what it draws."""
    from fpdf.bidi import BidiParagraph
    from fpdf.enums import TextDirection

    base = TextDirection.LTR if direction == "ltr" else TextDirection.RTL
    isolated = getattr(plan_pdf, "_isolated", lambda text, _: text)(line, direction)
    shown = BidiParagraph(text=isolated, base_direction=base)
    return shown.get_reordered_string().replace("\u2068", "").replace("\u2069", "")


def test_right_to_left_items_in_a_french_sentence_keep_the_sentence_in_order() -> None:
    """R4: each line is ordered on its own, so when a line ends inside "(1 gommette)" the
    bracket no longer pairs and, without isolates, "(1" after a Hebrew item joined the
    right-to-left run and printed on its far side ("... 1( <Hebrew>")."""
    hebrew = visual(f"Viennent ensuite : Équipe soudée (3 gommettes); {HEBREW_ITEM} (1")
    assert hebrew.endswith(f"; 🤝 {HEBREW_ITEM[2:][::-1]} (1")
    arabic = visual(f"gommette); {ARABIC_ITEM} (0 votes, 1")
    assert arabic == f"gommette); {ARABIC_ITEM[::-1]} (0 votes, 1"
    listed = visual(f"Par gommettes : {ARABIC_ITEM}, Équipe soudée")
    assert listed == f"Par gommettes : {ARABIC_ITEM[::-1]}, Équipe soudée"
    in_arabic = visual("التالية: Équipe soudée (1", "rtl")
    assert in_arabic.startswith("1( Équipe soudée :")


def test_a_french_plan_with_hebrew_and_arabic_items_reads_back_in_order() -> None:
    with i18n.use_language("fr"):
        data = render_pdf(mixed_plan())
    text = pdf_text(data)
    assert "\u2068" not in text and "\u2069" not in text and "\ufffd" not in text
    flat = re.sub(r"\s", "", text)
    assert re.sub(r"\s", "", f"{HEBREW_ITEM[2:]} (0 votes, 1 gommette)") in flat
