"""The demo site answers a new user's search as the search issue promises."""

import re
from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command

from conftest import ensure_wagtail_baseline
from demo.management.commands.load_demo import KEY_IDEAS


@pytest.mark.django_db
def test_word_taught_in_one_demo_module_finds_its_course_first(client):
    ensure_wagtail_baseline()
    call_command("load_demo", stdout=StringIO())
    assert "hypotenuse" in KEY_IDEAS["Geometry in the plane"]
    # The word is in a module's text: searched for those who may read it.
    client.force_login(get_user_model().objects.get(username="admin"))

    response = client.get("/search/", {"q": "hypotenuse"})

    assert response.status_code == 200
    titles = re.findall(
        r'class="result-course"[^>]*>([^<]+)<', response.content.decode()
    )
    assert titles[0] == "Geometry in the plane"
