from django.urls import path

from rongmei.media import views

app_name = "media"
urlpatterns: list = [
    path("", views.library, name="library"),
    path("upload/", views.upload, name="upload"),
    path("<int:pk>/", views.asset_detail, name="asset"),
    path("<int:pk>/edit/", views.asset_edit, name="asset_edit"),
    path("<int:pk>/focal/", views.asset_focal, name="asset_focal"),
    path("<int:pk>/attach/", views.asset_attach, name="asset_attach"),
    path("<int:pk>/subtitles/", views.subtitle_add, name="subtitle_add"),
    path("<int:pk>/subtitles/<int:sid>/", views.subtitle_change, name="subtitle_change"),
    path("<int:pk>/renditions/<int:rid>/retry/", views.rendition_retry, name="rendition_retry"),
    path("<int:pk>/original/", views.original, name="original"),
    path("<int:pk>/files/<path:path>", views.rendition_file, name="file"),
]
