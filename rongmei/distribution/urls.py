from django.urls import path

from rongmei.distribution import views

app_name = "distribution"
urlpatterns = [
    path("", views.board, name="board"),
    path("stories/<int:pk>/", views.story, name="story"),
    path("stories/<int:pk>/retract/", views.retract, name="retract"),
    path("publications/<int:pk>/retry/", views.retry, name="retry"),
]
urlpatterns += [
    path("stories/<int:pk>/versions/", views.versions, name="versions"),
    path("stories/<int:pk>/versions/<str:code>/", views.version_detail, name="version"),
    path("stories/<int:pk>/versions/<str:code>/<str:kind>", views.version_file, name="version_file"),
]
