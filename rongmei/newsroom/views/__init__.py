"""The newsroom's screens: thin views that parse a form, call one service or selector, render."""

from rongmei.newsroom.views import assignments, home, leads, plans, stories

__all__ = ["assignments", "home", "leads", "plans", "stories"]
