"""/partners/: the partner portal (a partner's own pages) and /partners/manage/ (operators; the
contributions inbox also for the newsroom desk)."""

from django.urls import path, re_path

from rongmei.partners import views_manage as manage
from rongmei.partners import views_portal as portal

app_name = "partners"

Q = r"(?P<code>\d{4}-[1-4])"

urlpatterns = [
    path("", portal.home, name="home"),
    path("contribute/", portal.contribute, name="contribute"),
    path("contributions/", portal.contributions, name="contributions"),
    path("contributions/<int:pk>/", portal.contribution, name="contribution"),
    path("tasks/", portal.tasks, name="tasks"),
    path("tasks/<int:pk>/report/", portal.report, name="report"),
    path("posts/", portal.posts, name="posts"),
    path("posts/upload/", portal.upload, name="upload"),
    path("posts/<int:pk>/delete/", portal.delete_post, name="delete_post"),
    path("score/", portal.score, name="score"),
    re_path(rf"^score/{Q}/$", portal.score, name="score_for"),
    path("awards/", portal.awards, name="awards"),
    path("awards/<int:pk>/certificate.pdf", portal.certificate, name="certificate"),
    path("profile/", portal.profile, name="profile"),
    path("notifications/", portal.notifications, name="notifications"),
    # operators
    path("manage/", manage.overview, name="manage"),
    path("manage/partners/", manage.registry, name="registry"),
    path("manage/partners/new/", manage.partner_edit, name="partner_new"),
    path("manage/partners/<int:pk>/", manage.partner_detail, name="partner"),
    path("manage/partners/<int:pk>/edit/", manage.partner_edit, name="partner_edit"),
    path("manage/partners/<int:pk>/accounts/", manage.account_add, name="account_add"),
    path("manage/accounts/<int:pk>/remove/", manage.account_remove, name="account_remove"),
    path("manage/accounts/<int:pk>/fetch-settings/", manage.account_fetch_settings, name="account_fetch_settings"),
    path("manage/accounts/<int:pk>/fetch/", manage.account_fetch, name="account_fetch"),
    path("manage/partners/<int:pk>/logins/", manage.login_create, name="login_create"),
    path("manage/partners/<int:pk>/honours/", manage.honour_add, name="honour_add"),
    path("manage/quotas/", manage.quotas, name="quotas"),
    re_path(rf"^manage/quotas/{Q}/$", manage.quotas, name="quotas_for"),
    path("manage/tasks/", manage.task_list, name="task_list"),
    path("manage/tasks/new/", manage.task_new, name="task_new"),
    path("manage/tasks/<int:pk>/", manage.task_detail, name="task"),
    path("manage/assignments/<int:pk>/check/", manage.task_check, name="task_check"),
    path("manage/posts/", manage.post_list, name="posts_all"),
    path("manage/posts/upload/", manage.post_upload, name="posts_upload"),
    path("manage/contributions/", manage.inbox, name="inbox"),
    path("manage/contributions/<int:pk>/", manage.contribution_detail, name="contribution_manage"),
    path("manage/contributions/<int:pk>/decide/", manage.contribution_decide, name="contribution_decide"),
    path("manage/rule/", manage.rule, name="rule"),
    path("manage/quarter/", manage.quarter_view, name="quarter"),
    re_path(rf"^manage/quarter/{Q}/$", manage.quarter_view, name="quarter_for"),
    re_path(rf"^manage/quarter/{Q}/close/$", manage.quarter_close, name="quarter_close"),
    re_path(rf"^manage/quarter/{Q}/export\.xlsx$", manage.quarter_export, name="quarter_export"),
    path("manage/honours/<int:pk>/certificate.pdf", manage.certificate, name="certificate_manage"),
]
