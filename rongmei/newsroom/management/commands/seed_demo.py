"""``manage.py seed_demo``: the demo county media center (泌阳县融媒体中心).

Idempotent. People, teams, places and word lists are found by their natural keys (username,
team slug or name, place name under its parent, category name and word) and left alone when they
exist: a second run never resets a password or a team's members. Newsroom content is played
through the services, so states, notifications and the audit log are the real ones; each scenario
runs in its own transaction and is skipped when its lead title or story headline already exists.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import unicodedata
from base64 import b32encode
from collections import Counter

from django.contrib.auth.hashers import make_password
from django.contrib.auth.password_validation import validate_password
from django.core.management.base import BaseCommand
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django_otp.plugins.otp_totp.models import TOTPDevice

from rongmei.accounts.models import Role, RoleSecurityPolicy, Team, User
from rongmei.core import safety
from rongmei.core.exceptions import DomainError
from rongmei.core.models import AllowedPhrase, Place, SensitiveWord, WordCategory
from rongmei.distribution.models import Channel
from rongmei.newsroom import demo_data as data
from rongmei.newsroom import services
from rongmei.newsroom.models import Lead, Story, StoryVersion
from rongmei.newsroom.services.stories import suggest_keywords

# Roles that get a confirmed demo authenticator, besides those the security policy lists.
TWO_FACTOR_ROLES = {Role.CHIEF_EDITOR, Role.ADMIN}


def demo_totp_key(username: str) -> str:
    """A fixed 20-byte key (hex) per demo user, so an authenticator app set up once keeps working."""
    return hashlib.sha1(f"rongmei-demo-totp:{username}".encode(), usedforsecurity=False).hexdigest()


def base32_secret(device: TOTPDevice) -> str:
    return b32encode(device.bin_key).decode()


class Seeder:
    def __init__(self, *, warn) -> None:
        self.warn = warn
        self.today = timezone.localdate()
        self.created: Counter = Counter()
        self.skipped = 0
        self.users: dict[str, User] = {}
        self.teams: dict[str, Team] = {}
        self.places: dict[str, Place] = {}

    # --- helpers --------------------------------------------------------------------------
    def at(self, day: int, hour: int) -> dt.datetime:
        return timezone.make_aware(dt.datetime.combine(self.today + dt.timedelta(days=day), dt.time(hour)))

    def user(self, username: str) -> User:
        if username not in self.users:
            self.users[username] = User.objects.get(username=username)
        return self.users[username]

    def place(self, ref: str | None) -> Place | None:
        return self.places.get(ref) if ref else None

    # --- reference data ---------------------------------------------------------------------
    def seed_places(self) -> None:
        for i, town_name in enumerate(data.TOWNS, start=1):
            town, created = Place.objects.get_or_create(
                parent=None, name=town_name, defaults={"kind": Place.Kind.TOWN, "sort_order": i * 10}
            )
            self.created["places"] += created
            self.places[town_name] = town
            for j, village_name in enumerate(data.VILLAGES.get(town_name, []), start=1):
                village, created = Place.objects.get_or_create(
                    parent=town, name=village_name, defaults={"kind": Place.Kind.VILLAGE, "sort_order": j * 10}
                )
                self.created["places"] += created
                self.places[f"{town_name}/{village_name}"] = village

    def seed_words(self) -> None:
        changed = False
        for name, severity, description, words in data.WORD_CATEGORIES:
            category, created = WordCategory.objects.get_or_create(name=name, defaults={"severity": severity, "description": description})
            changed |= created
            for word in words:
                _obj, created = SensitiveWord.objects.get_or_create(category=category, word=word)
                changed |= created
                self.created["words"] += created
        for phrase, note in data.ALLOWED_PHRASES:
            _obj, created = AllowedPhrase.objects.get_or_create(phrase=phrase, defaults={"note": note})
            changed |= created
        if changed:
            safety.lists_changed()

    def seed_staff(self) -> None:
        two_factor_roles = TWO_FACTOR_ROLES | set(RoleSecurityPolicy.objects.filter(require_two_factor=True).values_list("role", flat=True))
        encoded = None
        for username, name, role in data.STAFF:
            user = User.objects.filter(username=username).first()
            if user is None:
                # One hash for all: the demo accounts share a password, and hashing it twenty
                # times with the production hasher would take seconds.
                encoded = encoded or make_password(data.DEMO_PASSWORD)
                is_admin = role == Role.ADMIN
                user = User(username=username, name=name, role=role, is_staff=is_admin, is_superuser=is_admin, password=encoded)
                user.save()
                self.created["users"] += 1
            self.users[username] = user
            if user.role in two_factor_roles and not TOTPDevice.objects.filter(user=user, name=data.DEMO_DEVICE_NAME).exists():
                TOTPDevice.objects.create(user=user, name=data.DEMO_DEVICE_NAME, confirmed=True, key=demo_totp_key(username))
                self.created["devices"] += 1

    def seed_teams(self) -> None:
        for i, (slug, name, lead, members, description) in enumerate(data.TEAMS, start=1):
            team = Team.objects.filter(Q(slug=slug) | Q(name=name)).first()
            if team is None:
                team = Team.objects.create(name=name, slug=slug, lead=self.user(lead), description=description, sort_order=i * 10)
                team.members.add(self.user(lead), *(self.user(m) for m in members))
                self.created["teams"] += 1
            self.teams[slug] = team

    def seed_columns(self) -> None:
        from rongmei.portal.models import Column

        for i, (slug, name, kind, icon, teams, description) in enumerate(data.COLUMNS, start=1):
            if Column.objects.filter(Q(slug=slug) | Q(name=name)).exists():
                continue
            column = Column.objects.create(
                slug=slug, name=name, kind=kind, icon=icon, description=description, sort_order=i * 10, link=data.COLUMN_LINKS.get(slug, "")
            )
            column.teams.set([self.teams[t] for t in teams if t in self.teams])
            self.created["columns"] += 1

    # --- newsroom content -------------------------------------------------------------------
    def seed_content(self) -> None:
        for spec in data.LEADS:
            if Lead.objects.filter(title=spec["title"]).exists():
                self.skipped += 1
                continue
            self._scenario(spec["title"], self._lead_scenario, spec)
        for spec in data.STORIES:
            headline = spec["headline"]
            if Story.objects.filter(headline=headline).exists() or StoryVersion.objects.filter(headline=headline).exists():
                self.skipped += 1
                continue
            self._scenario(headline, self._story_scenario, spec)

    def _scenario(self, marker: str, play, spec: dict) -> None:
        try:
            with transaction.atomic():
                play(spec)
        except DomainError as exc:
            self.warn(_("Skipped demo scenario %(t)s: %(e)s") % {"t": marker, "e": exc.message})

    def _lead_scenario(self, spec: dict) -> None:
        lead = services.create_lead(
            actor=self.user(spec["by"]),
            title=spec["title"],
            description=spec["description"],
            source=spec["source"],
            source_contact=spec.get("contact", ""),
            place=self.place(spec.get("place")),
            team=self.teams[spec["team"]],
        )
        self.created["leads"] += 1
        if "discard" in spec:
            who, reason = spec["discard"]
            services.discard_lead(actor=self.user(who), lead=lead, reason=reason)
        if "plan" in spec:
            self._plan(lead, spec["plan"])

    def _plan(self, lead: Lead, spec: dict) -> None:
        plan = services.plan_from_lead(
            actor=self.user(spec["by"]),
            lead=lead,
            team=self.teams[spec["team"]],
            planned_date=self.today + dt.timedelta(days=spec["day"]),
            title=spec["title"],
            summary=spec["summary"],
            channels=Channel.objects.filter(code__in=spec["channels"]),
            coverages=[(kind, self.at(day, hour), note) for kind, day, hour, note in spec["coverages"]],
        )
        self.created["plans"] += 1
        decision = spec.get("decision")
        if decision is None:
            return
        verb, who, note = decision
        if verb == "approve":
            services.approve_plan(actor=self.user(who), plan=plan, note=note)
        else:
            services.reject_plan(actor=self.user(who), plan=plan, note=note)
            return
        coverages = list(plan.coverages.order_by("id"))
        for a in spec.get("assignments", []):
            dispatcher = self.user(a["by"])
            assignee = self.user(a["to"])
            deadline = self.at(*a["deadline"]) if "deadline" in a else None
            assignment = services.assign(
                actor=dispatcher, coverage=coverages[a["coverage"]], assignee=assignee, deadline=deadline, note=a.get("note", "")
            )
            answer = a.get("answer")
            if answer == "accept":
                services.accept_assignment(actor=assignee, assignment=assignment)
                story = Story.objects.get(assignment=assignment)
                self.created["stories"] += 1
                if "story" in a:
                    self._play(story, a["to"], a["story"])
            elif answer == "decline":
                services.decline_assignment(actor=assignee, assignment=assignment, reason=a["reason"])
            if "cancel" in a:
                services.cancel_assignment(actor=dispatcher, assignment=assignment, reason=a["cancel"])

    def _story_scenario(self, spec: dict) -> None:
        story = services.create_story(
            actor=self.user(spec["by"]),
            team=self.teams[spec["team"]],
            place=self.place(spec.get("place")),
            **self._content(spec),
        )
        self.created["stories"] += 1
        self._play(story, spec["by"], spec)

    @staticmethod
    def _content(spec: dict) -> dict:
        content = {name: spec.get(name, "") for name in ("headline", "subtitle", "intro", "body")}
        content["source"] = spec.get("source", data.STORY_SOURCE)
        content["keywords"] = suggest_keywords(headline=content["headline"], intro=content["intro"], body=content["body"])
        return content

    def _play(self, story: Story, author: str, spec: dict) -> None:
        """Play a story's flow (see demo_data) through the services."""
        content = self._content(spec)
        for step in spec["flow"]:
            actor = self.user(step.get("by", author))
            match step["do"]:
                case "save":
                    services.save_version(actor=actor, story=story, **content)
                case "submit":
                    services.submit_story(actor=actor, story=story, override_reason=step.get("override", ""), **content)
                case "approve":
                    services.approve(actor=actor, story=story, comment=step.get("comment", ""))
                case "return":
                    comments = [{"quote": quote, "text": text} for quote, text in step.get("comments", ())]
                    services.return_story(actor=actor, story=story, reason=step["reason"], comments=comments)
                case "revise":
                    for old, new in step["replace"]:
                        content["headline"] = content["headline"].replace(old, new)
                        content["body"] = content["body"].replace(old, new)
                    services.submit_story(actor=actor, story=story, **content)
                case "publish":
                    self._publish(actor, story, step["channels"])
                case other:
                    raise ValueError(f"unknown demo step {other!r}")

    @staticmethod
    def _publish(actor, story: Story, codes: list[str]) -> None:
        """Publish and send at once (our own site needs no worker; the demo may run without one)."""
        from rongmei.distribution import services as distribution
        from rongmei.distribution.models import Channel

        story.refresh_from_db()
        for pub in distribution.publish(actor=actor, story=story, channels=list(Channel.objects.filter(code__in=codes))):
            distribution.send(pub)

    def run(self) -> None:
        validate_password(data.DEMO_PASSWORD)
        with transaction.atomic():
            self.seed_places()
            self.seed_words()
            self.seed_staff()
            self.seed_teams()
            self.seed_columns()
        self.seed_content()
        self.seed_public_app()

    def seed_public_app(self) -> None:
        """What the public app shows besides the news: the services directory and the councils,
        readers with their follows, likes and comments, a week of readership. Each app seeds its
        own part, idempotently."""
        from rongmei.advertising.demo import seed as seed_ads
        from rongmei.analytics.demo import seed_demo as seed_readership
        from rongmei.business.demo import seed as seed_business
        from rongmei.civic.demo import seed_demo as seed_civic
        from rongmei.community.demo import seed_demo as seed_comments
        from rongmei.dashboard.demo import seed_demo as seed_channel_figures
        from rongmei.fans.demo import seed_demo as seed_fans
        from rongmei.inquiries.demo import seed_demo as seed_inquiries
        from rongmei.live.demo import seed_demo as seed_live
        from rongmei.partners.demo import seed_demo as seed_partners
        from rongmei.portal.demo import seed_demo as seed_portal
        from rongmei.practice.demo import seed_demo as seed_practice

        seed_portal()
        seed_civic()
        seed_fans()
        seed_comments()
        seed_readership()
        seed_inquiries()
        seed_live()
        seed_partners()
        seed_channel_figures()
        seed_practice()
        seed_business(self.created)
        seed_ads(self.created)


def _width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _pad(text: str, width: int) -> str:
    return text + " " * (width - _width(text))


class Command(BaseCommand):
    help = gettext_lazy(
        "Create the demo county media center (Biyang): towns, teams, staff, word lists, and leads, plans, "
        "assignments and stories in every state. Safe to run again: nothing that exists is changed."
    )

    def handle(self, *args, **options):
        seeder = Seeder(warn=lambda msg: self.stderr.write(self.style.WARNING(msg)))
        seeder.run()
        if options["verbosity"] < 1:
            return
        c = seeder.created
        self.stdout.write(
            _(
                "Demo data ready: %(users)s people, %(teams)s teams, %(places)s places, %(leads)s leads, "
                "%(plans)s plans, %(stories)s stories created; %(skipped)s scenarios were already there."
            )
            % {
                "users": c["users"],
                "teams": c["teams"],
                "places": c["places"],
                "leads": c["leads"],
                "plans": c["plans"],
                "stories": c["stories"],
                "skipped": seeder.skipped,
            }
        )
        self.print_logins()

    def print_logins(self) -> None:
        header = [_("Role"), _("Name"), _("Username"), _("Password"), _("Two-factor (TOTP secret)")]
        rows = []
        hints = []
        users = {u.username: u for u in User.objects.filter(username__in=data.DEMO_LOGINS)}
        for username in data.DEMO_LOGINS:
            user = users.get(username)
            if user is None:
                continue
            device = TOTPDevice.objects.filter(user=user, name=data.DEMO_DEVICE_NAME, confirmed=True).first()
            rows.append(
                [str(Role(user.role).label), user.display_name, username, data.DEMO_PASSWORD, base32_secret(device) if device else "-"]
            )
            if device:
                hints.append(f"python manage.py demo_otp {username}")
        widths = [max(_width(str(r[i])) for r in [header, *rows]) for i in range(len(header))]
        self.stdout.write("")
        self.stdout.write(self.style.MIGRATE_HEADING(_("Demo logins (every demo account has the same password):")))
        for row in [header, ["-" * w for w in widths], *rows]:
            self.stdout.write("  ".join(_pad(v, w) for v, w in zip(row, widths, strict=True)).rstrip())
        if hints:
            self.stdout.write("")
            self.stdout.write(
                _("Accounts with a TOTP secret sign in with a 6-digit code: add the secret to an authenticator app, or (DEBUG only) run:")
            )
            for hint in hints:
                self.stdout.write(f"  {hint}")
