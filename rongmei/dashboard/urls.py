"""/dashboard/: the data center. The command screen (指挥调度大屏) at /dashboard/screen/ — other
parts link to it by that address."""

from django.urls import path

from rongmei.dashboard import views

app_name = "dashboard"
urlpatterns = [
    path("", views.home, name="home"),
    path("screen/", views.screen, name="screen"),
    path("screen/data.json", views.screen_data, name="screen_data"),
    path("screen/towns.geojson", views.town_map, name="town_map"),
    path("trends/", views.trends_page, name="trends"),
    path("reach/", views.reach_page, name="reach"),
    path("reach/upload/", views.reach_upload, name="reach_upload"),
    path("reach/weights/", views.reach_weights, name="reach_weights"),
    path("reach/fetch-wechat/", views.reach_fetch_wechat, name="reach_fetch_wechat"),
    path("report/", views.report_page, name="report"),
    path("report/report.pdf", views.report_pdf, name="report_pdf"),
    path("report/report.xlsx", views.report_xlsx, name="report_xlsx"),
    path("assessment/", views.assessment_table, name="assessment"),
    path("assessment/close/", views.assessment_close, name="assessment_close"),
    path("assessment/export.xlsx", views.assessment_export, name="assessment_export"),
    path("assessment/rules/", views.assessment_rules, name="assessment_rules"),
    path("assessment/rules/<int:pk>/", views.assessment_rules, name="assessment_rule"),
]
