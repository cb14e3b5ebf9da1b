from django.urls import path

from rongmei.analytics import views

app_name = "analytics"
urlpatterns = [
    path("", views.readership, name="readership"),
]
