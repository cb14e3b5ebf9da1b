from django.urls import path

app_name = "media"
urlpatterns: list = []
