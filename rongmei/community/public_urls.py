"""The public conversation pages, mounted at /huati/ (话题, chat rooms under /huati/chat/).
Not /topic/: that is the editorial special topics (专题) of rongmei.portal."""

from django.urls import path

from rongmei.community import views_public as views

app_name = "huati"
urlpatterns = [
    path("", views.topic_list, name="topics"),
    path("chat/", views.room_list, name="rooms"),
    path("chat/<int:pk>/", views.room_page, name="room"),
    path("p/<int:pk>/", views.picture, name="picture"),
    path("<slug:slug>/cover/", views.topic_cover, name="topic_cover"),
    path("<slug:slug>/", views.topic_page, name="topic"),
]
