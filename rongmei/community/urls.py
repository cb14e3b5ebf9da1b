from django.urls import path

from rongmei.community import views

app_name = "community"
urlpatterns = [
    path("", views.queue, name="queue"),
    path("places/", views.places, name="places"),
]
