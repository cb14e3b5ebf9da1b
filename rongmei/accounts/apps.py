from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "rongmei.accounts"
    label = "accounts"
    verbose_name = _("People and teams")

    def ready(self) -> None:
        # Connects the login signal that forgets an earlier second factor (stepup._forget_on_login).
        from rongmei.accounts import stepup  # noqa: F401
