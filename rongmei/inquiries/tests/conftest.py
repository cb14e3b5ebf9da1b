import pytest


@pytest.fixture(autouse=True)
def _english(english):
    """These tests read messages by their English msgids."""
