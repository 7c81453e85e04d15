"""The right-hand Discover card never links to the page it is on."""

from __future__ import annotations

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("page", "shown", "hidden"),
    [
        ("popular", "discover-trending", "discover-popular"),
        ("trending", "discover-popular", "discover-trending"),
        ("home", "discover-popular", None),
    ],
)
def test_discover_card_hides_the_current_page(client, page, shown, hidden):
    html = client.get(reverse(page)).content.decode()
    assert f'data-testid="{shown}"' in html
    if hidden:
        assert f'data-testid="{hidden}"' not in html
    else:
        assert 'data-testid="discover-trending"' in html
