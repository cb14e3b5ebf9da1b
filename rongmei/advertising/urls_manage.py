"""The advertising management pages, /ops/ads/ (included by rongmei.advertising.urls into the
``ops`` namespace)."""

from django.urls import path

from rongmei.advertising import views_manage as views

urlpatterns: list = [
    path("", views.campaigns, name="campaigns"),
    path("new/", views.campaign_new, name="campaign_new"),
    path("<int:pk>/", views.campaign_detail, name="campaign"),
    path("<int:pk>/edit/", views.campaign_edit, name="campaign_edit"),
    path("<int:pk>/creatives/", views.creative_add, name="campaign_creative_add"),
    path("<int:pk>/creatives/<int:cid>/remove/", views.creative_remove, name="campaign_creative_remove"),
    path("<int:pk>/submit/", views.campaign_submit, name="campaign_submit"),
    path("<int:pk>/approve/", views.campaign_approve, name="campaign_approve"),
    path("<int:pk>/send-back/", views.campaign_send_back, name="campaign_send_back"),
    path("<int:pk>/pause/", views.campaign_pause, name="campaign_pause"),
    path("<int:pk>/resume/", views.campaign_resume, name="campaign_resume"),
    path("<int:pk>/end/", views.campaign_end, name="campaign_end"),
    path("<int:pk>/report/", views.campaign_report, name="campaign_report"),
    path("<int:pk>/report.pdf", views.campaign_report_pdf, name="campaign_report_pdf"),
    path("<int:pk>/report.xlsx", views.campaign_report_xlsx, name="campaign_report_xlsx"),
    path("pictures/<int:asset_pk>/", views.campaign_picture, name="campaign_picture"),
]
