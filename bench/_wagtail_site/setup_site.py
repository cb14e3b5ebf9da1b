"""Make the Wagtail site's database and the article page (run by bench/read_path.py)."""

import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench_site.settings")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402

work = Path(os.environ["WAGTAIL_BENCH_DIR"])
(work / "bench_migrations").mkdir(exist_ok=True)
(work / "bench_migrations" / "__init__.py").touch()
call_command("makemigrations", "articles", verbosity=0)
call_command("migrate", verbosity=0)

from articles.models import ArticlePage  # noqa: E402
from wagtail.models import Page, Site  # noqa: E402

root = Page.get_first_root_node()
home = root.get_children().first()
article = ArticlePage(title="铜山湖畔夏南牛养殖户的新生活", slug="article", body=(work / "body.html").read_text())
home.add_child(instance=article)
article.save_revision().publish()
Site.objects.update(hostname="127.0.0.1", port=80, is_default_site=True)
print("wagtail site ready:", settings.DATABASES["default"]["NAME"])
