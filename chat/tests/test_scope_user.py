"""The adapter's contract with Channels (chat/scope_user.py)."""

import pytest
from channels.auth import UserLazyObject
from django.contrib.auth import get_user_model

from chat.scope_user import real_user

pytestmark = pytest.mark.django_db


def test_the_user_inside_channels_lazy_user_is_the_model_instance(student):
    lazy = UserLazyObject()
    lazy._wrapped = student  # what channels.auth.AuthMiddleware.resolve_scope does
    user = real_user(lazy)
    assert type(user) is get_user_model()
    assert user is student


def test_a_plain_user_is_itself(student):
    assert real_user(student) is student
