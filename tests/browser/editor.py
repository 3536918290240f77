"""Driving Wagtail's page editor in browser tests."""

import re

import pytest
from playwright.sync_api import Error


def wait_for_autosave(page, timeout=10000):
    """Wagtail 8 autosaves the editor's form shortly after each change (and a new
    page is created by its first autosave): publishing while one is in flight
    posts the "add" form for a page that exists by then, and Wagtail refuses the
    slug. Wait until the last change is saved, as a person would see "Saved"."""
    indicator = page.locator("#w-autosave-indicator")
    if not indicator.count():
        return  # autosave is off
    page.wait_for_timeout(600)  # past the autosave's debounce after the last change
    try:
        page.wait_for_function(
            "() => document.querySelector('#w-autosave-indicator')"
            ".getAttribute('data-w-autosave-state-value') !== 'saving'",
            timeout=timeout,
        )
    except Error:
        pytest.fail("Wagtail's autosave never finished")


def publish(page):
    """Open the footer's action menu and press Publish; wait for the explorer.

    Should Wagtail refuse the form instead, fail with the errors it shows rather
    than with a timeout."""
    wait_for_autosave(page)
    page.locator("footer").get_by_role("button", name="More actions").click()
    page.locator('footer button[name="action-publish"]').click()
    explorer = re.compile(r"/admin/pages/\d+/$")
    refused = page.locator(
        ".messages .error, .error-message, .help-critical, .w-field__errors p"
    ).filter(visible=True)
    for _ in range(300):
        if explorer.search(page.url):
            return
        if refused.count():
            texts = (" ".join(text.split()) for text in refused.all_inner_texts())
            pytest.fail("Wagtail refused the page: " + " | ".join(texts))
        page.wait_for_timeout(100)
    pytest.fail(f"no explorer after publishing; still on {page.url}")


def insert_block(page, button, name, tries=3):
    """Press an "Insert a block" button and pick `name` from Wagtail's block
    chooser. A block just added is wired up by Wagtail's script a moment after it
    appears, and a press before that opens no chooser: press again, as a person
    would."""
    option = page.get_by_role("option", name=name)
    for _ in range(tries):
        button.click()
        try:
            option.wait_for(state="visible", timeout=5000)
        except Error:
            continue
        option.click()
        return
    pytest.fail(f"Wagtail's block chooser never offered {name!r}")
