from django.urls import path

from rongmei.portal import views

app_name = "portal"
urlpatterns = [
    path("", views.index, name="index"),
    path("manifest.webmanifest", views.manifest, name="manifest"),
    path("sw.js", views.service_worker, name="service_worker"),
    path("news/<int:pk>/", views.story_detail, name="story"),
    path("news/<int:pk>/poster.png", views.poster, name="poster"),
    path("column/<slug:slug>/", views.column, name="column"),
    path("news/media/<int:pk>/<path:path>", views.media, name="media"),
    path("news/pictures/<path:name>", views.picture, name="picture"),
    path("topic/", views.topics, name="topics"),
    path("topic/<slug:slug>/", views.topic, name="topic"),
    path("topic/<slug:slug>/poster.png", views.topic_poster, name="topic_poster"),
    path("video/", views.videos, name="videos"),
]
