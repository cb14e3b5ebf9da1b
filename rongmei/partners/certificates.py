"""Award certificates (荣誉证书) as PDF, made with WeasyPrint from partners/certificate.html.

Rendered like the 问政 monthly report (rongmei/inquiries/report.py): HTML string in, no base
URL, fonts from the system (Noto Serif/Sans CJK). The template links nothing outside; the URL
fetcher below refuses any URL anyway, so a certificate never reaches out to the network.
"""

from __future__ import annotations

from django.conf import settings
from django.template.loader import render_to_string
from django.utils.translation import gettext as _

from rongmei.core.exceptions import DomainError
from rongmei.partners.models import Honour


def _no_fetch(url: str, *args, **kwargs):
    raise ValueError(f"certificate: outside resources are not loaded ({url[:60]})")


def formal_date(day) -> str:
    return _("%(year)s-%(month)s-%(day)s") % {"year": day.year, "month": day.month, "day": day.day}


def certificate_html(honour: Honour) -> str:
    if not honour.certificate_no:
        raise DomainError(_("This honour has no certificate number: only quarterly awards come with a certificate."))
    quarter = honour.quarter
    return render_to_string(
        "partners/certificate.html",
        {
            "honour": honour,
            "partner_name": honour.partner.name,
            "quarter": str(quarter) if quarter else "",
            "issuer": honour.issuer or settings.RONGMEI["CENTER_NAME"],
            "date": formal_date(honour.awarded_on),
        },
    )


def certificate_pdf(honour: Honour) -> bytes:
    """The honour's certificate as an A4 landscape PDF. Refuses an honour without a certificate number."""
    import weasyprint

    html = certificate_html(honour)
    return weasyprint.HTML(string=html, url_fetcher=_no_fetch).write_pdf()


def file_name(honour: Honour) -> str:
    return f"certificate-{honour.certificate_no}.pdf"
