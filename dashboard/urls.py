"""The dashboard, under /dashboard/: pages, their JSON endpoints (api/) and CSV exports."""

from django.urls import path

from . import timing, views

app_name = "dashboard"

urlpatterns = [
    path("", views.overview, name="overview"),
    path("overview.csv", views.overview_csv, name="overview_csv"),
    path("api/kpis.json", views.api_kpis, name="api_kpis"),
    path("api/series.json", views.api_series, name="api_series"),
    path("api/engagements.json", views.api_engagements, name="api_engagements"),
    path("api/audience.json", views.api_audience, name="api_audience"),
    path("audience.csv", views.audience_csv, name="audience_csv"),
    path("api/top-tweets.json", views.api_top_tweets, name="api_top_tweets"),
    path("tweets/<int:tweet_id>/", views.tweet, name="tweet"),
    path("tweets/<int:tweet_id>/samples.csv", views.tweet_samples_csv, name="tweet_samples_csv"),
    path("api/tweets/<int:tweet_id>/series.json", views.api_tweet_series, name="api_tweet_series"),
    path("api/tweets/<int:tweet_id>/gains.json", views.api_tweet_gains, name="api_tweet_gains"),
    path("api/tweets/<int:tweet_id>/video.json", views.api_tweet_video, name="api_tweet_video"),
    path("timing/", timing.timing_page, name="timing"),
    path("timing.csv", timing.timing_csv, name="timing_csv"),
    path("api/timing.json", timing.api_timing, name="api_timing"),
    path("compare/", views.compare, name="compare"),
    path("api/compare.json", views.api_compare, name="api_compare"),
    path("settings/", views.settings_page, name="settings"),
]
