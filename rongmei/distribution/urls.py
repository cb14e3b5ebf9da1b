from django.urls import path

from rongmei.distribution import views

app_name = "distribution"
urlpatterns = [
    path("", views.board, name="board"),
    path("stories/<int:pk>/", views.story, name="story"),
    path("stories/<int:pk>/retract/", views.retract, name="retract"),
    path("publications/<int:pk>/retry/", views.retry, name="retry"),
]
