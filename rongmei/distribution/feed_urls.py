from django.urls import path

from rongmei.distribution import feeds

app_name = "feeds"
urlpatterns = [
    path("ninjs.json", feeds.ninjs_feed, name="ninjs"),
    path("<slug:slug>/rss.xml", feeds.TeamRssFeed(), name="rss"),
    path("<slug:slug>/atom.xml", feeds.TeamAtomFeed(), name="atom"),
]
