"""PDF documents in the reader's language: visa support letters, lists of participants.

Built with fpdf2 from Debian's Noto fonts, found under ``PDF_FONT_DIR`` (fonts-noto-core for Latin,
Cyrillic and Arabic, fonts-noto-cjk for Chinese; the system check ``smepilot.E010`` names what is
missing). Text is shaped with HarfBuzz (uharfbuzz), so Arabic letters join and run right to left.
A document's own language picks its main font; any text in another script (an Arabic name in a
Russian letter, a Chinese name in an English list) falls back to the font that has its letters.
"""

import re
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from fpdf import FPDF
from fpdf.enums import Align, XPos, YPos


@dataclass(frozen=True)
class FontFace:
    """One font family of the documents: its files under PDF_FONT_DIR and the Debian package that has them."""

    family: str
    regular: str
    bold: str
    package: str
    # Which face of a font collection (.ttc) to use: 2 is Simplified Chinese in Noto Sans CJK.
    collection_index: int = 0


LATIN = FontFace("latin", "truetype/noto/NotoSans-Regular.ttf", "truetype/noto/NotoSans-Bold.ttf", "fonts-noto-core")
ARABIC = FontFace(
    "arabic",
    "truetype/noto/NotoNaskhArabic-Regular.ttf",
    "truetype/noto/NotoNaskhArabic-Bold.ttf",
    "fonts-noto-core",
)
CJK = FontFace(
    "cjk",
    "opentype/noto/NotoSansCJK-Regular.ttc",
    "opentype/noto/NotoSansCJK-Bold.ttc",
    "fonts-noto-cjk",
    collection_index=2,
)
FONT_FACES = (LATIN, ARABIC, CJK)

# Han, kana, hangul and CJK punctuation: text with any of these needs the CJK font. Loading it costs
# a fifth of a second, so a document loads it only when it has such text.
CJK_TEXT = re.compile(r"[\u2e80-\u9fff\uac00-\ud7af\uf900-\ufaff\uff00-\uffef]")


def font_files_missing() -> list[tuple[Path, str]]:
    """(file, Debian package) for each font file the documents need that is not under PDF_FONT_DIR."""
    root = Path(settings.PDF_FONT_DIR)
    missing = []
    for face in FONT_FACES:
        for name in (face.regular, face.bold):
            if not (root / name).is_file():
                missing.append((root / name, face.package))
    return missing


def _language_code(language: str) -> str:
    return (language or settings.LANGUAGE_CODE).split("-")[0].lower()


class Document:
    """A portrait A4 document written top to bottom, in one language.

    ``heading``, ``paragraph`` and ``table`` write text; ``output`` gives the PDF's bytes.
    """

    def __init__(self, *, language: str, title: str):
        self.language = _language_code(language)
        self.right_to_left = self.language == "ar"
        self.pdf = FPDF(format="A4")
        self.pdf.set_title(title)
        self.pdf.set_lang(language or settings.LANGUAGE_CODE)
        self.pdf.set_creator("smepilot")
        self.pdf.set_auto_page_break(auto=True, margin=18)
        self._loaded: set[str] = set()
        self._face_load(LATIN)
        self._face_load(ARABIC)
        if self.language == "zh":
            self._face_load(CJK)
        self.main = {"ar": ARABIC, "zh": CJK}.get(self.language, LATIN)
        self._fallbacks_set()
        if self.right_to_left:
            self.pdf.set_text_shaping(use_shaping_engine=True, direction="rtl", script="arab", language="ar")
        else:
            self.pdf.set_text_shaping(use_shaping_engine=True)
        self.pdf.add_page()
        self.align = Align.R if self.right_to_left else Align.L

    def _face_load(self, face: FontFace) -> None:
        if face.family in self._loaded:
            return
        root = Path(settings.PDF_FONT_DIR)
        options = {"collection_font_number": face.collection_index} if face.collection_index else {}
        self.pdf.add_font(face.family, "", str(root / face.regular), **options)
        self.pdf.add_font(face.family, "B", str(root / face.bold), **options)
        self._loaded.add(face.family)

    def _fallbacks_set(self) -> None:
        self.pdf.set_fallback_fonts([face.family for face in FONT_FACES if face.family in self._loaded])

    def _text_ready(self, *texts: str) -> None:
        if CJK.family not in self._loaded and any(CJK_TEXT.search(text or "") for text in texts):
            self._face_load(CJK)
            self._fallbacks_set()

    def _font(self, *, size: float, bold: bool = False) -> None:
        self.pdf.set_font(self.main.family, "B" if bold else "", size)

    def heading(self, text: str, *, size: float = 15) -> None:
        self._text_ready(text)
        self._font(size=size, bold=True)
        self.pdf.multi_cell(0, size * 0.55, text, align=self.align, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.pdf.ln(2)

    def paragraph(self, text: str, *, size: float = 11, bold: bool = False, space_after: float = 3) -> None:
        self._text_ready(text)
        self._font(size=size, bold=bold)
        self.pdf.multi_cell(0, size * 0.5, text, align=self.align, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.pdf.ln(space_after)

    def table(self, *, headings: list[str], rows: list[list[str]], widths: tuple[int, ...] | None = None) -> None:
        """A table with a heading row repeated on each page; in Arabic its columns run right to left."""
        self._text_ready(*headings, *(cell for row in rows for cell in row))
        self._font(size=9)
        if self.right_to_left:
            headings = list(reversed(headings))
            rows = [list(reversed(row)) for row in rows]
            widths = tuple(reversed(widths)) if widths else None
        with self.pdf.table(
            col_widths=widths, text_align=self.align, line_height=5, first_row_as_headings=True
        ) as table:
            for row in [headings, *rows]:
                cells = table.row()
                for value in row:
                    cells.cell(value)

    def output(self) -> bytes:
        return bytes(self.pdf.output())
