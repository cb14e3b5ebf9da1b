from rongmei.business.tests.people import admin_user, sales, sales2  # noqa: F401
