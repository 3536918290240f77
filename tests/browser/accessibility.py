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
Two house rules axe does not check run beside it on the site's own pages
(`HOUSE_RULES`): landmarks of one role have distinct names, and no heading comes
before the page's h1.

Each audited page is also photographed, whole, at 1280 and 390 px wide (the second
width by resizing the viewport and back), once per test and address:
`test-results/screenshots/<test>-<page>-<width>.png` (`SCREENSHOT_DIR` moves the
folder; `SCREENSHOT_DIR=` turns the pictures off).
"""

import contextlib
import functools
import os
import re
from pathlib import Path
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

# What axe passes and we do not. axe skips landmarks it cannot name (a form with
# role="search" and no label is one), and its heading-order rule lets a heading
# come before the h1 (a sidebar's "Subjects" read before the page's title).
HOUSE_RULES = """() => {
  const problems = [];
  const shown = (el) => el.checkVisibility() && !el.closest("[aria-hidden=true]");
  const nameOf = (el) => {
    const ids = el.getAttribute("aria-labelledby");
    if (ids) {
      return ids.split(/\\s+/).map((id) => document.getElementById(id))
        .filter(Boolean).map((ref) => ref.textContent.trim()).join(" ");
    }
    return (el.getAttribute("aria-label") || el.getAttribute("title") || "").trim();
  };
  const roleOf = (el) => el.getAttribute("role") || {
    NAV: "navigation", ASIDE: "complementary", SEARCH: "search"}[el.tagName];
  const landmarks = document.querySelectorAll(
    "nav, aside, search, [role=navigation], [role=complementary], [role=search]");
  const byRole = {};
  for (const el of landmarks) {
    if (shown(el)) (byRole[roleOf(el)] ||= []).push(el);
  }
  for (const [role, els] of Object.entries(byRole)) {
    if (els.length < 2) continue;
    const names = els.map(nameOf);
    names.forEach((name, i) => {
      if (!name || names.indexOf(name) !== i) {
        problems.push(`${els.length} "${role}" landmarks need distinct names: `
          + `${els[i].outerHTML.slice(0, 120)} is named "${name}"`);
      }
    });
  }
  const headings = [...document.querySelectorAll(
    "h1, h2, h3, h4, h5, h6, [role=heading]")].filter(shown);
  const first = headings.findIndex((h) => h.tagName === "H1"
    || h.getAttribute("aria-level") === "1");
  if (first > 0) {
    problems.push(`"${headings[0].textContent.trim()}" (${headings[0].tagName}) `
      + "comes before the page's h1");
  }
  return problems;
}"""

BASE_DIR = Path(__file__).resolve().parents[2]
SCREENSHOT_WIDTHS = (1280, 390)
_photographed = set()


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


def _is_ours(url):
    return urlparse(url).scheme in ("http", "https") and not urlparse(
        url
    ).path.startswith(("/admin/", "/django-admin/", "/api/"))


def _slug(text):
    return re.sub(r"[^A-Za-z0-9]+", "-", text).strip("-")[:80]


def screenshot_dir():
    """Where the audit's pictures go, or None when they are turned off."""
    folder = os.environ.get("SCREENSHOT_DIR", "test-results/screenshots")
    return BASE_DIR / folder if folder else None


def photograph(page):
    """Whole-page pictures of the page at each of SCREENSHOT_WIDTHS, once per test
    and address; the viewport is put back as it was."""
    folder = screenshot_dir()
    if folder is None:
        return
    current = os.environ.get("PYTEST_CURRENT_TEST", "test").split(" ")[0]
    test = _slug(current.split("::", 1)[-1])
    parsed = urlparse(page.url)
    name = _slug(parsed.path + ("-" + parsed.query if parsed.query else "")) or "home"
    if parsed.scheme not in ("http", "https"):
        name = parsed.scheme
    viewport = page.viewport_size
    widths = [w for w in SCREENSHOT_WIDTHS if (test, name, w) not in _photographed]
    if not widths or viewport is None:
        return
    folder.mkdir(parents=True, exist_ok=True)
    # The current width first: no resize when a test already runs at one of them.
    widths.sort(key=lambda width: width != viewport["width"])
    try:
        for width in widths:
            if width != page.viewport_size["width"]:
                page.set_viewport_size({"width": width, "height": viewport["height"]})
            page.screenshot(path=folder / f"{test}-{name}-{width}.png", full_page=True)
            _photographed.add((test, name, width))
    finally:
        if page.viewport_size != viewport:
            page.set_viewport_size(viewport)


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
            house = page.evaluate(HOUSE_RULES) if _is_ours(url) else []
            page.evaluate(f"() => {{ window.{MARK} = true; }}")
            photograph(page)
            break
        except Error as error:
            # The page navigated while axe ran: audit the document it went to.
            if "context was destroyed" not in str(error) or attempt == 2:
                raise
    if response["violations"]:
        raise AccessibilityViolations(_report(url, response["violations"]))
    if house:
        raise AccessibilityViolations(
            f"{url} breaks the house rules (tests/browser/accessibility.py):\n- "
            + "\n- ".join(house)
        )


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
