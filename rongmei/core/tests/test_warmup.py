"""rongmei/wsgi.py warms each web process: jieba, the routing model and the similar-question
index are loaded before the first question, and a failure never stops the process."""

from __future__ import annotations

import logging

import pytest

from rongmei.core import warmup


@pytest.mark.django_db
def test_warm_up_loads_what_the_first_question_needs_and_writes_nothing(caplog):
    from rongmei.core import text
    from rongmei.inquiries.models import Inquiry

    with caplog.at_level(logging.WARNING, logger="rongmei.core.warmup"):
        warmup.warm()
    assert not caplog.records
    assert text._initialized  # jieba's dictionary is in memory
    assert Inquiry.objects.count() == 0


def test_a_failing_warm_up_is_logged_and_the_process_goes_on(monkeypatch, caplog):
    from rongmei.core import text

    def broken():
        raise RuntimeError("dictionary missing")

    monkeypatch.setattr(text, "ensure_jieba", broken)
    with caplog.at_level(logging.WARNING, logger="rongmei.core.warmup"):
        warmup.warm()
    assert "warm-up failed" in caplog.text
