from django.urls import path, register_converter

from rongmei.civic import views


class CouncilKindConverter:
    regex = "renda|zhengxie"

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return str(value)


register_converter(CouncilKindConverter, "council")

app_name = "civic"
urlpatterns = [
    # 政务服务
    path("services/", views.service_index, name="services"),
    path("services/<int:pk>/", views.service_detail, name="service"),
    # 智慧人大 / 智慧政协
    path("councils/", views.councils, name="councils"),
    path("councils/<council:kind>/", views.council, name="council"),
    path("councils/<council:kind>/members/", views.member_list, name="members"),
    path("councils/members/<int:pk>/", views.member_detail, name="member"),
    path("councils/members/<int:pk>/photo/", views.member_photo, name="member_photo"),
    path("councils/members/<int:pk>/write/", views.write_letter, name="write"),
    path("councils/proposals/<int:pk>/", views.proposal_detail, name="proposal"),
    path("councils/letters/", views.my_letters, name="letters"),
    path("councils/letters/<str:receipt>/", views.letter_detail, name="letter"),
]
