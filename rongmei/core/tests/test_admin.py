"""The admin for word lists, places, the audit log and notifications; list changes go through core.services."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from rongmei.accounts.models import RoleSecurityPolicy
from rongmei.core import safety
from rongmei.core.models import AllowedPhrase, AuditLog, Notification, Place, SensitiveWord, WordCategory

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client, admin_user):
    # Two-factor login is tested in accounts; here the admin pages themselves are under test.
    RoleSecurityPolicy.objects.update_or_create(role="admin", defaults={"require_two_factor": False})
    client.force_login(admin_user)
    return client


@pytest.fixture
def superuser_client(admin_client, admin_user):
    # Places and notifications use Django's model permissions, which a superuser holds.
    admin_user.is_superuser = True
    admin_user.save()
    return admin_client


def upload(name: str, data: bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type="text/plain")


def test_the_category_list_shows_word_counts(admin_client, admin_user):
    from rongmei.core import services

    services.import_wordlist(actor=admin_user, data="甲\n乙\n丙\n", category="测试")
    services.deactivate_word(actor=admin_user, word=SensitiveWord.objects.get(word="甲"))
    response = admin_client.get(reverse("admin:core_wordcategory_changelist"))
    assert response.status_code == 200
    row = response.context["cl"].result_list[0]
    assert (row._word_count, row._active_word_count) == (3, 2)
    assert reverse("admin:core_wordcategory_import") in response.content.decode()


def test_an_admin_imports_an_uploaded_list(admin_client, admin_user):
    response = admin_client.post(
        reverse("admin:core_wordcategory_import"),
        {"file": upload("广告.txt", "\ufeff代开发票\n刷单\n# 注释\n".encode()), "category": "", "severity": "block"},
    )
    category = WordCategory.objects.get(name="广告")
    assert response.status_code == 302
    assert response.url == reverse("admin:core_wordcategory_change", args=[category.pk])
    assert category.severity == "block"
    assert set(category.words.values_list("word", flat=True)) == {"代开发票", "刷单"}
    assert AuditLog.objects.get(action="wordlist.import").actor == admin_user
    assert [h.word for h in safety.scan("本店可代开发票")] == ["代开发票"]


def test_the_import_action_opens_the_form_for_the_chosen_category(admin_client):
    category = WordCategory.objects.create(name="政治", severity="block")
    response = admin_client.post(
        reverse("admin:core_wordcategory_changelist"), {"action": "import_into", "_selected_action": [category.pk]}
    )
    assert response.status_code == 302
    form = admin_client.get(response.url).context["form"]
    assert form.initial == {"category": "政治", "severity": "block"}


def test_an_upload_in_another_encoding_shows_the_error_and_imports_nothing(admin_client):
    response = admin_client.post(
        reverse("admin:core_wordcategory_import"),
        {"file": upload("gbk.txt", "代开发票\n".encode("gbk")), "category": "广告", "severity": "flag"},
    )
    assert response.status_code == 200
    assert response.context["form"].errors["file"]
    assert response.context["form"]["category"].value() == "广告"
    assert not SensitiveWord.objects.exists()


def test_refused_lines_are_shown_after_an_upload(admin_client):
    response = admin_client.post(
        reverse("admin:core_wordcategory_import"),
        {"file": upload("words.txt", ("好词\n" + "长" * 101 + "\n").encode()), "category": "", "severity": "flag"},
        follow=True,
    )
    texts = [str(m) for m in response.context["messages"]]
    assert len(texts) == 2
    assert "2" in texts[1]
    assert SensitiveWord.objects.get().word == "好词"


def test_editing_words_in_the_list_goes_through_the_service(admin_client, admin_user):
    from rongmei.core import services

    services.import_wordlist(actor=admin_user, data="刷单\n", category="广告")
    word = SensitiveWord.objects.get()
    response = admin_client.post(
        reverse("admin:core_sensitiveword_changelist"),
        {
            "form-TOTAL_FORMS": "1",
            "form-INITIAL_FORMS": "1",
            "form-0-id": str(word.pk),
            "form-0-severity": "block",
            "form-0-active": "on",
            "_save": "Save",
        },
    )
    assert response.status_code == 302
    word.refresh_from_db()
    assert word.severity == "block"
    assert AuditLog.objects.filter(action="wordlist.word_change").count() == 1
    assert [h.severity for h in safety.scan("刷单")] == ["block"]


def test_an_admin_adds_a_word_and_an_allowed_phrase_through_the_forms(admin_client, admin_user):
    category = WordCategory.objects.create(name="民生")
    response = admin_client.post(
        reverse("admin:core_sensitiveword_add"), {"category": category.pk, "word": "拆迁", "severity": "", "active": "on", "note": ""}
    )
    assert response.status_code == 302
    response = admin_client.post(reverse("admin:core_allowedphrase_add"), {"phrase": "拆迁安置", "note": "安置房"})
    assert response.status_code == 302
    assert AllowedPhrase.objects.get().phrase == "拆迁安置"
    assert safety.scan("拆迁安置") == []
    assert set(AuditLog.objects.values_list("action", flat=True)) == {"wordlist.word_add", "wordlist.allow_add"}


def test_the_word_search_and_filters_answer(admin_client, admin_user):
    from rongmei.core import services

    services.import_wordlist(actor=admin_user, data="刷单\n返利\n", category="广告")
    url = reverse("admin:core_sensitiveword_changelist")
    assert admin_client.get(url, {"q": "刷"}).context["cl"].result_count == 1
    assert admin_client.get(url, {"active__exact": "1", "category__severity__exact": "flag"}).context["cl"].result_count == 2


def test_staff_who_are_not_admins_cannot_reach_the_word_lists(client, chief):
    chief.is_staff = True
    chief.save()
    RoleSecurityPolicy.objects.update_or_create(role="chief_editor", defaults={"require_two_factor": False})
    client.force_login(chief)
    assert client.get(reverse("admin:core_sensitiveword_changelist")).status_code == 403
    assert client.get(reverse("admin:core_wordcategory_import")).status_code == 403


def test_the_audit_log_is_read_only_in_the_admin(admin_client, admin_user):
    from rongmei.core import services

    services.create_category(actor=admin_user, name="广告")
    line = AuditLog.objects.get()
    assert admin_client.get(reverse("admin:core_auditlog_changelist")).status_code == 200
    assert admin_client.get(reverse("admin:core_auditlog_changelist"), {"action": "wordlist.category_create"}).status_code == 200
    assert admin_client.get(reverse("admin:core_auditlog_changelist"), {"q": "广告"}).context["cl"].result_count == 1
    assert admin_client.get(reverse("admin:core_auditlog_change", args=[line.pk])).status_code == 200
    assert admin_client.get(reverse("admin:core_auditlog_add")).status_code == 403
    assert admin_client.get(reverse("admin:core_auditlog_delete", args=[line.pk])).status_code == 403
    admin_client.post(reverse("admin:core_auditlog_change", args=[line.pk]), {"summary": "改写"})
    assert AuditLog.objects.get().summary == line.summary


def test_towns_show_their_villages_inline(superuser_client):
    admin_client = superuser_client
    town = Place.objects.create(name="花园街道")
    Place.objects.create(name="朱庄社区", kind="village", parent=town)
    assert admin_client.get(reverse("admin:core_place_changelist")).status_code == 200
    response = admin_client.get(reverse("admin:core_place_change", args=[town.pk]))
    assert response.status_code == 200
    assert "朱庄社区" in response.content.decode()


def test_notifications_are_listed(superuser_client, reporter):
    client = superuser_client
    Notification.objects.create(recipient=reporter, kind="assignment", text="新派单：铜山湖采访")
    response = client.get(reverse("admin:core_notification_changelist"))
    assert response.status_code == 200
    assert "铜山湖采访" in response.content.decode()
