from django.apps import AppConfig


class TrendingConfig(AppConfig):
    name = "trending"

    def ready(self) -> None:
        """Register the ranking jobs in Celery beat's schedule (queue ``ranking``)."""
        from trending.tasks import POPULAR_EVERY_SECONDS, TRENDING_EVERY_SECONDS
        from twitter_site.celery import app

        app.conf.beat_schedule.update(
            {
                "trending-score-popular": {
                    "task": "trending.score_popular",
                    "schedule": float(POPULAR_EVERY_SECONDS),
                    "options": {"queue": "ranking", "expires": POPULAR_EVERY_SECONDS},
                },
                "trending-score-trending": {
                    "task": "trending.score_trending",
                    "schedule": float(TRENDING_EVERY_SECONDS),
                    "options": {"queue": "ranking", "expires": TRENDING_EVERY_SECONDS},
                },
            }
        )
