"""The layout's navigation and links from frames (layout_tags): the plain template's HTML, per person and page."""

from __future__ import annotations

import re

import pytest
from django.template import RequestContext, Template
from django.template.loader import get_template

from tweets.tests.requests import request_as

pytestmark = pytest.mark.django_db


def _framed(nav: str, user) -> str:
    context = RequestContext(request_as(user), {"nav": nav})
    return Template("{% load layout_tags %}{% head_links %}|{% sidenav %}").render(context)


def _plain(nav: str, user) -> str:
    request = request_as(user)
    head = get_template("layout/_head_links.html").render({}, request)
    return head + "|" + get_template("layout/_sidenav.html").render({"nav": nav}, request)


def _same_token(html: str) -> str:
    return re.sub(r'(csrfmiddlewaretoken" value=")[^"]+', r"\1X", html)


@pytest.mark.parametrize("signed_in", [False, True])
@pytest.mark.parametrize("nav", ["home", "popular", "trending", "profile", None])
def test_the_framed_layout_is_the_template_rendered_plainly(make_user, nav, signed_in):
    user = make_user("alice", display_name="Alice <A>") if signed_in else None
    expected = _same_token(_plain(nav, user))
    for _ in range(2):  # built, then served from the frame
        assert _same_token(_framed(nav, user)) == expected
    assert ("Alice &lt;A&gt;" in expected) == signed_in and ("Log in" in expected) != signed_in


def test_the_layout_is_each_persons_own_and_follows_a_rename(make_user):
    alice, bob = make_user("alice", display_name="Alice"), make_user("bob", display_name="Bob")
    assert "<strong>Alice</strong>" in _framed("home", alice) and "@alice" in _framed("home", alice)
    assert "<strong>Bob</strong>" in _framed("home", bob) and "Alice" not in _framed("home", bob)
    alice.display_name = "Alice Renamed"
    assert "<strong>Alice Renamed</strong>" in _framed("home", alice)


def test_the_layout_token_is_the_requests_and_the_pages(make_user, client):
    """The log-out form's token is the one the page's other forms and its htmx header carry."""
    client.force_login(make_user("alice"))
    html = client.get("/settings/profile").content.decode()
    tokens = set(re.findall(r'csrfmiddlewaretoken" value="([^"]+)', html))
    tokens |= set(re.findall(r'"X-CSRFToken": "([^"]+)"', html))
    assert len(tokens) == 1
    again = client.get("/settings/profile").content.decode()
    assert re.search(r'"X-CSRFToken": "([^"]+)"', again).group(1) not in tokens  # a fresh mask per request
