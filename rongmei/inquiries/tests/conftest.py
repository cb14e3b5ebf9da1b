import pytest


@pytest.fixture(autouse=True)
def _english(english):
    """These tests read messages by their English msgids."""


@pytest.fixture
def no_submission_limits(settings):
    """For tests that submit many questions from one citizen."""
    from rongmei.testing.inquiries import NO_SUBMISSION_LIMITS

    settings.RONGMEI_INQUIRIES = {**settings.RONGMEI_INQUIRIES, **NO_SUBMISSION_LIMITS}
