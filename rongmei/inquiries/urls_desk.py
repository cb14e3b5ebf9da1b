"""The screening desk at /newsroom/wenzheng/ (views_desk.py)."""

from django.urls import path

from rongmei.inquiries import views_desk as views

app_name = "desk"

urlpatterns = [
    path("", views.queue, name="queue"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/files/<int:aid>/", views.attachment, name="attachment"),
]
