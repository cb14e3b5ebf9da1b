from django.urls import path

from rongmei.fans import views

app_name = "fans"

urlpatterns = [
    path("", views.profile, name="profile"),
    path("login/", views.login, name="login"),
    path("logout/", views.logout, name="logout"),
    path("favorites/<int:story_id>/", views.favorite, name="favorite"),
    path("follows/<slug:slug>/", views.follow, name="follow"),
    path("notifications/", views.notifications, name="notifications"),
    path("notifications/read/", views.read_notifications, name="read_notifications"),
    path("notifications/<int:pk>/", views.open_notification, name="open_notification"),
    path("data/", views.my_data, name="my_data"),
    path("delete/", views.delete_account, name="delete_account"),
]
