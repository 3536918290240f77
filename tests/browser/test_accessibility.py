# ruff: noqa: S101 - pytest asserts
"""The axe-core audit the browser tests rely on finds a violation when there is one,
both when asked directly and after a navigation (tests/browser/accessibility.py)."""

from urllib.parse import quote

import pytest

from tests.browser.accessibility import AccessibilityViolations, audit

pytestmark = pytest.mark.browser

PIXEL = "data:image/gif;base64,R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7"
PAGE = (
    '<!doctype html><html lang="en"><head><title>A page</title></head>'
    "<body><main><h1>A page</h1>{}</main></body></html>"
)
CLEAN = PAGE.format(f'<img src="{PIXEL}" alt="A white dot">')
NO_ALT = PAGE.format(f'<img src="{PIXEL}">')


def test_an_image_without_a_text_alternative_fails_the_audit(page):
    page.set_content(NO_ALT)
    with pytest.raises(AccessibilityViolations, match="image-alt") as raised:
        audit(page)
    assert "<img" in str(raised.value)

    page.set_content(CLEAN)
    audit(page)


def test_a_navigation_is_audited_where_it_lands(page):
    with pytest.raises(AccessibilityViolations, match="image-alt"):
        page.goto("data:text/html," + quote(NO_ALT))

    page.goto("data:text/html," + quote(CLEAN))
