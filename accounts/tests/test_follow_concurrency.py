"""Follow counters stay exact when many follows of one person run at the same moment."""

from __future__ import annotations

import threading

import pytest
from django.db import connection

from accounts import services
from accounts.models import Follow, User

N = 12


def _run_in_threads(jobs) -> list[BaseException]:
    barrier = threading.Barrier(len(jobs))
    errors: list[BaseException] = []

    def run(job):
        try:
            barrier.wait()
            job()
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(job,)) for job in jobs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return errors


@pytest.mark.django_db(transaction=True)
def test_parallel_follows_count_exactly(make_user):
    star = make_user("star")
    fans = [make_user(f"fan{i}") for i in range(N)]
    # Every fan follows the star, and fan0 follows twice, all at once.
    jobs = [lambda fan=fan: services.follow(follower=fan, followee=star) for fan in fans]
    jobs.append(lambda: services.follow(follower=fans[0], followee=star))
    assert _run_in_threads(jobs) == []
    star.refresh_from_db()
    assert star.followers_count == N == Follow.objects.filter(followee=star).count()
    assert User.objects.get(pk=fans[0].pk).following_count == 1

    # And all unfollow at once (fan0 twice): back to zero, never negative.
    jobs = [lambda fan=fan: services.unfollow(follower=fan, followee=star) for fan in fans]
    jobs.append(lambda: services.unfollow(follower=fans[0], followee=star))
    assert _run_in_threads(jobs) == []
    star.refresh_from_db()
    assert star.followers_count == 0 == Follow.objects.filter(followee=star).count()


@pytest.mark.django_db(transaction=True)
def test_opposite_follows_do_not_deadlock(make_user):
    a, b = make_user("aaa"), make_user("bbb")
    jobs = [lambda: services.follow(follower=a, followee=b), lambda: services.follow(follower=b, followee=a)] * 3
    assert _run_in_threads(jobs) == []
    a.refresh_from_db()
    b.refresh_from_db()
    assert (a.followers_count, a.following_count, b.followers_count, b.following_count) == (1, 1, 1, 1)
