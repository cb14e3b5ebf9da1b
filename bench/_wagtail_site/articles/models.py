from wagtail.fields import RichTextField
from wagtail.models import Page


class ArticlePage(Page):
    intro = RichTextField(blank=True)
    body = RichTextField()
    content_panels = [*Page.content_panels, "intro", "body"]
