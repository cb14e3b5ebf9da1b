"""/practice/manage/: the practice center's staff pages (names prefixed ``manage_``)."""

from django.urls import path

from rongmei.practice import views_manage as views

urlpatterns = [
    path("", views.home, name="manage_home"),
    path("requests/<int:pk>/", views.request_detail, name="manage_request"),
    path("requests/<int:pk>/dispatch/", views.request_dispatch, name="manage_request_dispatch"),
    path("requests/<int:pk>/cancel/", views.request_cancel, name="manage_request_cancel"),
    path("activities/", views.activity_list, name="manage_activities"),
    path("activities/new/", views.activity_new, name="manage_activity_new"),
    path("activities/<int:pk>/", views.activity_detail, name="manage_activity"),
    path("activities/<int:pk>/qr/", views.activity_qr, name="manage_activity_qr"),
    path("activities/<int:pk>/publish/", views.activity_publish, name="manage_activity_publish"),
    path("activities/<int:pk>/finish/", views.activity_finish, name="manage_activity_finish"),
    path("activities/<int:pk>/coverage/", views.activity_coverage, name="manage_activity_coverage"),
    path("stats/", views.stats_page, name="manage_stats"),
    path("stats/export/", views.stats_export, name="manage_stats_export"),
]
