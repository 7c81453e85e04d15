"""twitter_site.csrf: Django's CSRF tokens, made cheaply and once per request, accepted by Django's middleware."""

import re
from collections import Counter

import pytest
from django.middleware.csrf import CSRF_ALLOWED_CHARS, _unmask_cipher_token
from django.test import Client, RequestFactory
from django.urls import reverse

from tweets.models import Tweet
from twitter_site import csrf

pytestmark = pytest.mark.django_db


def test_a_token_unmasks_to_the_cookie_secret_and_is_made_once_per_request():
    request = RequestFactory().get("/")
    token = csrf.token(request)
    secret = request.META["CSRF_COOKIE"]
    assert len(token) == 64 and len(secret) == 32
    assert set(token + secret) <= set(CSRF_ALLOWED_CHARS)
    assert _unmask_cipher_token(token) == secret
    assert request.META["CSRF_COOKIE_NEEDS_UPDATE"] is True
    assert csrf.token(request) is token  # every form of the response gets the same one

    known = RequestFactory().get("/")
    known.META["CSRF_COOKIE"] = secret  # as the middleware puts a valid cookie's secret
    other = csrf.token(known)
    assert other != token and _unmask_cipher_token(other) == secret
    assert "CSRF_COOKIE_NEEDS_UPDATE" not in known.META  # a valid cookie is not sent again


def test_the_cookie_is_set_once_not_on_every_page(make_user):
    client = Client()
    client.force_login(make_user("ann"))
    first = client.get(reverse("popular"))
    assert "csrftoken" in first.cookies
    assert "csrftoken" not in client.get(reverse("popular")).cookies  # the browser has it


def test_masks_use_every_character_evenly():
    drawn = Counter("".join(csrf.token(RequestFactory().get("/"))[:32] for _ in range(2000)))
    assert set(drawn) == set(CSRF_ALLOWED_CHARS)
    expected = 2000 * 32 / len(CSRF_ALLOWED_CHARS)  # ~1,032 each
    assert all(0.8 * expected < n < 1.2 * expected for n in drawn.values())


def test_a_page_token_passes_the_middleware_and_a_wrong_one_does_not(make_user):
    client = Client(enforce_csrf_checks=True)
    client.force_login(make_user("ann"))
    page = client.get(reverse("popular"))
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.content.decode()).group(1)
    assert _unmask_cipher_token(token) == client.cookies["csrftoken"].value

    wrong = token[:-1] + ("a" if token[-1] != "a" else "b")
    assert client.post(reverse("tweet_create"), {"text": "forged", "csrfmiddlewaretoken": wrong}).status_code == 403
    posted = client.post(reverse("tweet_create"), {"text": "hello from a form", "csrfmiddlewaretoken": token})
    assert posted.status_code in (200, 302)
    assert Tweet.objects.filter(text="hello from a form").exists()
    assert not Tweet.objects.filter(text="forged").exists()
