from django.urls import path

from rongmei.fans import views

app_name = "fans"

urlpatterns = [
    path("", views.profile, name="profile"),
    path("login/", views.login, name="login"),
    path("logout/", views.logout, name="logout"),
    path("favorites/<int:story_id>/", views.favorite, name="favorite"),
]
