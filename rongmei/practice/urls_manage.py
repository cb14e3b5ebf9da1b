"""/practice/manage/: the practice center's staff pages (names prefixed ``manage_``)."""

from django.urls import path

from rongmei.practice import views_cases, views_photos, views_store
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
    path("activities/<int:pk>/photos/", views_photos.upload, name="manage_activity_photos"),
    path("photos/<int:pk>/delete/", views_photos.delete, name="manage_photo_delete"),
    path("cases/", views_cases.manage_list, name="manage_cases"),
    path("cases/new/", views_cases.manage_edit, name="manage_case_new"),
    path("cases/<int:pk>/", views_cases.manage_edit, name="manage_case"),
    path("store/", views_store.store, name="manage_store"),
    path("store/items/new/", views_store.item_new, name="manage_store_item_new"),
    path("store/items/<int:pk>/", views_store.item_edit, name="manage_store_item"),
    path("store/exchanges/<int:pk>/collect/", views_store.exchange_collect, name="manage_exchange_collect"),
    path("store/exchanges/<int:pk>/cancel/", views_store.exchange_cancel, name="manage_exchange_cancel"),
    path("stats/", views.stats_page, name="manage_stats"),
    path("stats/export/", views.stats_export, name="manage_stats_export"),
]
