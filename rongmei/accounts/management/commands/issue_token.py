"""python manage.py issue_token USERNAME [--name NAME] [--days N] [--automation]: a personal access token, printed once."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone
from django.utils.translation import gettext as _

from rongmei.accounts import services
from rongmei.accounts.models import User
from rongmei.core.exceptions import DomainError


class Command(BaseCommand):
    help = "Create a personal access token for a user and print it once (only its hash is stored)."

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--name", default="", help="What the token is for (default: “command line”).")
        parser.add_argument("--days", type=int, default=None, help="Expire after this many days (default: never).")
        parser.add_argument(
            "--automation",
            action="store_true",
            help="For a script: may publish, retract and do other privileged actions without a second factor (docs/security.md).",
        )

    def handle(self, *args, **options):
        try:
            user = User.objects.get(username=options["username"])
        except User.DoesNotExist:
            raise CommandError(_("There is no user named %(username)s.") % {"username": options["username"]}) from None
        if not user.is_active:
            raise CommandError(_("The user %(username)s is not active.") % {"username": user.username})
        name = options["name"] or _("command line")
        try:
            token, raw = services.create_token(
                actor=user, name=name, expires_in_days=options["days"], via="command", automation=options["automation"]
            )
        except DomainError as exc:
            raise CommandError(exc.message) from exc
        expires = timezone.localtime(token.expires_at).strftime("%Y-%m-%d %H:%M") if token.expires_at else _("never")
        self.stderr.write(
            _("Token “%(name)s” for %(user)s (expires: %(expires)s). It is shown only now; store it safely:")
            % {"name": token.name, "user": user.display_name, "expires": expires}
        )
        self.stdout.write(raw)
