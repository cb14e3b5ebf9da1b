app_name = "newsroom"
urlpatterns: list = []
