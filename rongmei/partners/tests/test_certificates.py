"""Award certificates as PDF: one A4 landscape page naming the partner, the award and its number."""

from __future__ import annotations

import re
import shutil
import subprocess
import zlib

import pytest
import weasyprint
from django.utils import timezone

from rongmei.core.exceptions import DomainError
from rongmei.partners import services
from rongmei.partners.certificates import certificate_html, certificate_pdf
from rongmei.partners.models import Honour, Quarter

pytestmark = pytest.mark.django_db


@pytest.fixture
def award(operator, partner):
    """The first prize of last year's fourth quarter, made by closing the quarter."""
    today = timezone.localdate()
    quarter = Quarter.objects.create(year=today.year - 1, number=4)
    services.set_quota(actor=operator, partner=partner, quarter=quarter, posts=1)
    services.record_post(
        actor=operator, partner=partner, title="铜山湖秋色", url="https://example.com/1", published_on=quarter.start, reads=1000
    )
    services.save_rule(
        actor=operator,
        weight_quota=50,
        weight_reads=50,
        weight_adopted=0,
        weight_tasks=0,
        adopted_full=3,
        tiers=[{"name": "一等奖", "count": 1, "min_score": 60}],
    )
    services.close_quarter(actor=operator, quarter=quarter, issuer="泌阳县融媒体中心")
    return Honour.objects.get(partner=partner, quarter=quarter)


def _streams(pdf: bytes) -> list[bytes]:
    """The PDF's compressed streams, inflated."""
    out = []
    for match in re.finditer(rb"stream\r?\n", pdf):
        try:
            out.append(zlib.decompressobj().decompress(pdf[match.end() : match.end() + 4_000_000]))
        except zlib.error:
            continue
    return out


def _cmap_text(pdf: bytes) -> str:
    """Every character the PDF's fonts map to Unicode (their ToUnicode maps), from the PDF bytes."""
    chars = []
    for data in _streams(pdf):
        for block in re.findall(rb"beginbfchar(.*?)endbfchar", data, re.S):
            for _glyph, code in re.findall(rb"<([0-9a-fA-F]+)>\s*<([0-9a-fA-F]+)>", block):
                chars.append(bytes.fromhex(code.decode()).decode("utf-16-be", "replace"))
    return "".join(chars)


def _layout(html: str):
    """The pages as WeasyPrint lays them out, and each page's text."""
    document = weasyprint.HTML(string=html).render()

    def texts(box):
        if isinstance(getattr(box, "text", None), str):
            yield box.text
        for child in getattr(box, "children", None) or []:
            yield from texts(child)

    return document.pages, ["".join(texts(page._page_box)) for page in document.pages]


def test_the_certificate_is_a_one_page_landscape_pdf_naming_the_partner_and_its_number(award, partner):
    assert award.certificate_no

    pdf = certificate_pdf(award)

    assert pdf.startswith(b"%PDF")
    if shutil.which("pdftotext"):
        text = subprocess.run(["pdftotext", "-", "-"], input=pdf, capture_output=True, check=True).stdout.decode()  # noqa: S603, S607
        assert partner.name in text and award.certificate_no in text
    else:
        # No pdftotext here: the PDF's own fonts must carry every character of the name and the
        # number, and the laid-out page must show them.
        mapped = set(_cmap_text(pdf))
        assert set(partner.name) <= mapped and set(award.certificate_no) <= mapped
    pages, texts = _layout(certificate_html(award))
    assert len(pages) == 1
    assert pages[0].width > pages[0].height  # landscape
    assert partner.name in texts[0] and award.certificate_no in texts[0]
    assert award.title in texts[0] and "泌阳县融媒体中心" in texts[0]
    assert any(b"Noto-Serif-CJK-SC" in data for data in _streams(pdf))  # the serif CJK font is embedded


def test_the_certificate_links_nothing_outside():
    from django.template.loader import get_template

    source = get_template("partners/certificate.html").template.source
    assert "http://" not in source.replace('xmlns="http://www.w3.org/2000/svg"', "") and "https://" not in source
    assert "url(" not in source and "<img" not in source and "<link" not in source


def test_an_honour_without_a_certificate_number_is_refused(operator, partner):
    honour = services.add_honour(
        actor=operator, partner=partner, title="优秀网络文明传播者", issuer="县委网信办", awarded_on=timezone.localdate()
    )
    assert honour.certificate_no == ""

    with pytest.raises(DomainError):
        certificate_pdf(honour)
