"""``manage.py demo_otp USERNAME``: the current TOTP code of a demo user (DEBUG only).

The demo accounts of chief editors and admins must sign in with a second factor. On a
development machine nobody wants to set up an authenticator app first, so this prints the code
their confirmed device expects right now. Anywhere but DEBUG it refuses: whoever can run it could
sign in as anyone with two-factor login.
"""

from __future__ import annotations

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from rongmei.accounts.models import User

DEMO_DEVICE_NAME = "演示验证器"


def current_code(device: TOTPDevice) -> str:
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    return f"{totp.token():0{device.digits}d}"


class Command(BaseCommand):
    help = gettext_lazy("Print the current two-factor code of a user's authenticator. Only works with DEBUG on.")

    def add_arguments(self, parser):
        parser.add_argument("username")

    def handle(self, *args, username: str, **options):
        if not settings.DEBUG:
            raise CommandError(
                _("demo_otp only runs with DEBUG on: printing someone's two-factor code would defeat two-factor login in production.")
            )
        user = User.objects.filter(username=username).first()
        if user is None:
            raise CommandError(_("There is no user %(username)s.") % {"username": username})
        devices = TOTPDevice.objects.filter(user=user, confirmed=True)
        device = devices.filter(name=DEMO_DEVICE_NAME).first() or devices.order_by("id").first()
        if device is None:
            raise CommandError(_("%(username)s has no confirmed authenticator.") % {"username": username})
        self.stdout.write(current_code(device))
