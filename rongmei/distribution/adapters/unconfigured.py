"""A channel with no adapter configured yet: every send fails at once with a clear message."""

from __future__ import annotations

from django.utils.translation import gettext as _

from rongmei.distribution.adapters.base import Adapter, PermanentError, Receipt


class NotConfiguredAdapter(Adapter):
    name = "not_configured"

    def _refuse(self):
        raise PermanentError(
            _("The channel %(name)s is not configured: an operator must choose its kind of delivery and enter its settings first.")
            % {"name": self.channel.name}
        )

    def render(self, publication) -> dict:
        return {"key": publication.key, "channel": self.channel.code}

    def send(self, payload: dict, key: str) -> Receipt:
        self._refuse()
        raise AssertionError  # pragma: no cover

    def retract(self, receipt: Receipt, key: str) -> None:
        # Nothing ever reached this channel.
        return None
