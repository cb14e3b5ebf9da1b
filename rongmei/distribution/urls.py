from django.urls import path

app_name = "distribution"
urlpatterns: list = []
