"""The PDF documents: each language's letters in a font that has them, Arabic shaped right to left."""

import io

import pytest
from pypdf import PdfReader

from smepilot.checks import pdf_fonts_installed
from smepilot.pdf import Document, font_files_missing


def pdf_text(data: bytes) -> str:
    """The text of every page, without spaces and line breaks: pypdf reads CJK text with a space or a
    NUL between characters."""
    reader = PdfReader(io.BytesIO(data))
    text = "".join(page.extract_text() for page in reader.pages)
    return "".join(text.split()).replace("\x00", "")


@pytest.mark.parametrize(
    ("language", "text"),
    [
        ("en", "Visa support letter"),
        ("fr", "Lettre d’appui à la demande de visa"),
        ("es", "Carta de apoyo para el visado"),
        ("ru", "Письмо в поддержку визы"),
        ("zh-hans", "签证支持函"),
        ("ar", "رسالة دعم التأشيرة"),
    ],
)
def test_each_language_is_written_and_read_back(language, text):
    document = Document(language=language, title=text)
    document.heading(text)
    document.paragraph("José Müller — 12 345")
    data = document.output()

    assert data.startswith(b"%PDF-")
    read = pdf_text(data)
    assert text.replace(" ", "") in read
    assert "JoséMüller" in read


def test_a_name_in_another_script_falls_back_to_a_font_that_has_it():
    document = Document(language="en", title="List")
    document.table(headings=["Name", "SME"], rows=[["王小明", "Компания"], ["فاطمة", "Acme"]])

    read = pdf_text(document.output())

    assert "王小明" in read and "Компания" in read and "فاطمة" in read


def test_the_fonts_are_installed_here():
    assert font_files_missing() == []
    assert pdf_fonts_installed() == []


def test_missing_fonts_are_named_with_their_package(settings, tmp_path):
    settings.PDF_FONT_DIR = str(tmp_path)

    [error] = pdf_fonts_installed()

    assert error.id == "smepilot.E010"
    assert "NotoSansCJK-Regular.ttc" in error.msg
    assert "apt-get install fonts-noto-cjk fonts-noto-core" in error.hint
