"""The newsroom's write paths. Every state change of a lead, plan, assignment or story goes
through one function here: it checks who may do it, changes state, writes the audit line and
queues notifications, in one transaction. Views, the API, commands and tests all call these."""

from rongmei.newsroom.services.assignments import accept_assignment, assign, cancel_assignment, decline_assignment
from rongmei.newsroom.services.leads import create_lead, discard_lead
from rongmei.newsroom.services.locks import acquire_lock, force_unlock, release_lock
from rongmei.newsroom.services.plans import add_coverage, approve_plan, plan_from_lead, propose_plan, reject_plan
from rongmei.newsroom.services.reviews import add_comment, approve, return_story
from rongmei.newsroom.services.stories import SafetyBlocked, autosave, create_story, save_version, set_authors, submit_story

__all__ = [
    "SafetyBlocked",
    "accept_assignment",
    "acquire_lock",
    "add_comment",
    "add_coverage",
    "approve",
    "approve_plan",
    "assign",
    "autosave",
    "cancel_assignment",
    "create_lead",
    "create_story",
    "decline_assignment",
    "discard_lead",
    "force_unlock",
    "plan_from_lead",
    "propose_plan",
    "reject_plan",
    "release_lock",
    "return_story",
    "save_version",
    "set_authors",
    "submit_story",
]
