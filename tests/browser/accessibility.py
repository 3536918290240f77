"""axe-core audits of every page a browser test lands on.

`audited_navigation()` patches Playwright's sync `Page`, `Locator` and
`BrowserContext` for as long as a browser is open (conftest.py's `browser`
fixture): after each action that can load a new document (goto, reload, back,
forward, a click, a key press, a wait for a URL) and before a page or its context
closes, the page's document is audited once, when it has loaded. A document
audited once is marked in its `window` and not audited again; a new document has
no mark. `audit(page)` audits the page as it is now, e.g. after a script has drawn
something worth checking.

Any violation of the WCAG 2.0/2.1 A and AA rules fails the test at the action that
landed on the page, with the rule, its impact, the elements and the help URL.
axe-core's JavaScript ships inside axe-playwright-python: nothing is downloaded.
"""

import contextlib
import functools
from urllib.parse import urlparse

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import BrowserContext, Error, Locator, Page

WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]

# Rules switched off on Wagtail's admin (/admin/) only, where the markup and the
# styles are Wagtail 8.0's own (the project adds no admin templates or CSS), so not
# ours to fix. Every other rule runs there too. Never add a rule our pages break.
ADMIN_DISABLED_RULES = {
    # Draftail, Wagtail's rich-text editor (e.g. a course's overview field), draws a
    # contenteditable role="textbox" with no aria-label or aria-labelledby: the
    # field's <label> points at the hidden input that holds the JSON instead.
    "aria-input-field-name": "Wagtail's Draftail editor has no accessible name",
    # The "Page '…' has been published" banner: white text and its "View live" and
    # "Edit" buttons on Wagtail's green (#258c6d) give 4.15:1, short of 4.5:1.
    "color-contrast": "Wagtail's success-message banner is 4.15:1",
}

MARK = "__educaAxeAudited"
_axe = Axe()


class AccessibilityViolations(AssertionError):
    """axe-core found violations of the audited rules on a page."""


def _options(url):
    options = {
        "runOnly": {"type": "tag", "values": WCAG_TAGS},
        "resultTypes": ["violations"],
    }
    if urlparse(url).path.startswith("/admin/") and ADMIN_DISABLED_RULES:
        options["rules"] = {rule: {"enabled": False} for rule in ADMIN_DISABLED_RULES}
    return options


def _report(url, violations):
    lines = [
        f"axe-core found {len(violations)} accessibility violation(s) "
        f"(WCAG 2.0/2.1 A and AA) on {url}:"
    ]
    for violation in violations:
        lines.append(
            f"- {violation['id']} [{violation['impact']}]: {violation['help']}"
        )
        lines.append(f"  help: {violation['helpUrl']}")
        for node in violation["nodes"]:
            target = " ".join(
                ">>>".join(part) if isinstance(part, list) else part
                for part in node["target"]
            )
            lines.append(f"  at {target}")
            html = " ".join(node.get("html", "").split())
            if html:
                lines.append(f"     {html[:200]}")
            summary = " ".join(node.get("failureSummary", "").split())
            if summary:
                lines.append(f"     {summary[:300]}")
    return "\n".join(lines)


def _is_html(page):
    return page.evaluate("() => document.contentType") in ("text/html", "")


def audit(page):
    """Run axe on the page's current document; fail on any violation."""
    __tracebackhide__ = True
    for attempt in range(3):
        page.wait_for_load_state("load")
        url = page.url
        try:
            if not _is_html(page):
                return
            response = _axe.run(page, options=_options(url)).response
            page.evaluate(f"() => {{ window.{MARK} = true; }}")
            break
        except Error as error:
            # The page navigated while axe ran: audit the document it went to.
            if "context was destroyed" not in str(error) or attempt == 2:
                raise
    if response["violations"]:
        raise AccessibilityViolations(_report(url, response["violations"]))


def audit_if_new(page):
    """Audit the page's document unless it was audited already."""
    __tracebackhide__ = True
    if page.is_closed():
        return
    page.wait_for_load_state("load")
    try:
        audited = page.evaluate(f"() => window.{MARK} === true")
    except Error as error:
        if "context was destroyed" not in str(error):
            raise
        audited = False
    if not audited:
        audit(page)


def _after(method, page_of):
    """`method`, then an audit of the document its page has landed on."""

    @functools.wraps(method)
    def wrapper(self, *args, **kwargs):
        __tracebackhide__ = True
        result = method(self, *args, **kwargs)
        audit_if_new(page_of(self))
        return result

    return wrapper


def _before(method, pages_of):
    """An audit of each page's document not audited yet, then `method` (which runs
    even when the audit fails, so that a context is always closed)."""

    @functools.wraps(method)
    def wrapper(self, *args, **kwargs):
        __tracebackhide__ = True
        try:
            for page in pages_of(self):
                audit_if_new(page)
        finally:
            result = method(self, *args, **kwargs)
        return result

    return wrapper


PAGE_ACTIONS = [
    "goto",
    "reload",
    "go_back",
    "go_forward",
    "click",
    "dblclick",
    "tap",
    "press",
    "check",
    "wait_for_url",
]
LOCATOR_ACTIONS = ["click", "dblclick", "tap", "press", "check"]


@contextlib.contextmanager
def audited_navigation():
    """Within it, every document a page loads is audited (see the module's text)."""
    with pytest.MonkeyPatch.context() as monkeypatch:
        for name in PAGE_ACTIONS:
            monkeypatch.setattr(Page, name, _after(getattr(Page, name), lambda p: p))
        for name in LOCATOR_ACTIONS:
            monkeypatch.setattr(
                Locator, name, _after(getattr(Locator, name), lambda loc: loc.page)
            )
        monkeypatch.setattr(Page, "close", _before(Page.close, lambda p: [p]))
        monkeypatch.setattr(
            BrowserContext,
            "close",
            _before(BrowserContext.close, lambda context: list(context.pages)),
        )
        yield
