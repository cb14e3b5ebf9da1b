"""Staff pages of a live room: the console (stream key, push address, pull relay, end, replay,
clips)."""

urlpatterns: list = []
