from django.urls import path

from rongmei.live import views, views_manage, views_public

app_name = "live"

urlpatterns = [
    path("rtmp/publish", views.on_publish, name="rtmp_publish"),
    path("rtmp/publish-done", views.on_publish_done, name="rtmp_publish_done"),
    path("<int:room_id>/chat.json", views.replay_chat, name="replay_chat"),
    *views_manage.urlpatterns,
    *views_public.urlpatterns,
]
