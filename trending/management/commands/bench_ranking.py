"""Run the ranking benchmark on its own: python manage.py bench_ranking [--quick] [--skip-pages] [--json]."""

from __future__ import annotations

import json

from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Measure Popular/Trending ingestion, the scoring jobs and page throughput (see bench/ranking.py)."

    def add_arguments(self, parser):
        parser.add_argument("--quick", action="store_true", help="Five simulated minutes and short page runs.")
        parser.add_argument(
            "--skip-pages", action="store_true", help="Ingestion, jobs and memory only: no page servers (no wrk)."
        )
        parser.add_argument("--json", action="store_true", help="Print the report as JSON at the end.")

    def handle(self, *args, quick: bool, skip_pages: bool, json: bool, **options):
        from bench import ranking

        report: dict = {}
        ranking.run(report, quick=quick, skip_pages=skip_pages)
        if json:
            self.stdout.write(_dumps(report))


def _dumps(report: dict) -> str:
    return json.dumps(report, indent=2, ensure_ascii=False)
