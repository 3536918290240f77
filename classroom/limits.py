"""Limits on guessing: login lockout (django-axes) and sign-up/password-reset throttles.

Login lockout. Every way in that checks a password (the login form, the Wagtail and
Django admin logins, HTTP basic auth on the API, POST /api/token/) goes through
`django.contrib.auth.authenticate` with the request, where `LockoutBackend` (first in
AUTHENTICATION_BACKENDS) refuses a locked username or address before any password is
checked. A username is locked after AXES_FAILURE_LIMIT failures from anywhere (one
account cannot be guessed at from many addresses) and an address after
LOGIN_ADDRESS_FAILURE_LIMIT failures on any usernames (one machine cannot spray many
accounts; higher, since a school's students may share one address), both for
AXES_COOLOFF_TIME after the last counted failure. Failures are rows in the database
(axes' database handler), not in Redis: a Redis outage or flush unlocks nobody.

Sign-up and password reset count requests per address (and reset per email) in a
fixed window of the cache. They fail open: without the cache nobody is refused,
which only lets accounts be created or mails be sent faster, never a password be
guessed (the lockout above does not use the cache).
"""

import hashlib
import logging
import math
import time

from axes.backends import AxesStandaloneBackend
from axes.handlers.database import AxesDatabaseHandler
from axes.helpers import (
    get_client_ip_address,
    get_client_username,
    get_cool_off,
    get_failure_limit,
)
from axes.models import AccessAttempt
from django.conf import settings
from django.core.cache import cache
from django.db.models import Max, Sum
from django.http import JsonResponse
from django.shortcuts import render
from django.utils import timezone
from rest_framework import exceptions

from sitecache.auth import CachedModelBackend

log = logging.getLogger(__name__)

PERIODS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


class LockoutBackend(AxesStandaloneBackend):
    """axes' check, first of AUTHENTICATION_BACKENDS; CachedModelBackend then checks
    the password.

    Without a request there is no address to count against: only code that runs
    outside HTTP (the shell, management commands, the test client's `login()`) calls
    `authenticate()` that way, so it is let through to the next backend rather than
    refused with axes' ValueError.
    """

    def authenticate(self, request, username=None, password=None, **kwargs):
        if request is None:
            return None
        return super().authenticate(request, username, password, **kwargs)

    def get_user(self, user_id):
        # A session naming AUTHENTICATION_BACKENDS[0] still finds its user.
        return CachedModelBackend().get_user(user_id)


def failure_total(attempts):
    return attempts.aggregate(n=Sum("failures_since_start"))["n"] or 0


class LockoutHandler(AxesDatabaseHandler):
    """axes' database handler with a limit per username and a larger one per address.

    axes compares one number with one limit (AXES_FAILURE_LIMIT): that number is the
    username's recent failures, or the limit itself once the address has reached its
    own limit.
    """

    def recent_failures(self, request, credentials=None):
        """{"username": ..., "ip_address": ...}: their attempts within the cool-off."""
        since = request.axes_attempt_time - get_cool_off(request)
        recent = AccessAttempt.objects.filter(attempt_time__gte=since)
        username = get_client_username(request, credentials)
        return {
            "username": recent.filter(username=username) if username else recent.none(),
            "ip_address": recent.filter(ip_address=request.axes_ip_address),
        }

    def over_limit(self, request, credentials=None):
        """The recent attempts of each parameter that reached its limit."""
        limits = {
            "username": get_failure_limit(request, credentials),
            "ip_address": settings.LOGIN_ADDRESS_FAILURE_LIMIT,
        }
        return [
            attempts
            for name, attempts in self.recent_failures(request, credentials).items()
            if failure_total(attempts) >= limits[name]
        ]

    def get_failures(self, request, credentials=None):
        recent = self.recent_failures(request, credentials)
        by_username = failure_total(recent["username"])
        if failure_total(recent["ip_address"]) >= settings.LOGIN_ADDRESS_FAILURE_LIMIT:
            return max(by_username, get_failure_limit(request, credentials))
        return by_username

    def user_logged_in(self, sender, request, user, **kwargs):
        """A good login forgets this user's failures from this address (typos), but
        not other addresses' (an attacker's) nor other usernames' from here."""
        super().user_logged_in(sender, request, user, **kwargs)
        AccessAttempt.objects.filter(
            username=user.get_username(), ip_address=request.axes_ip_address
        ).delete()


def unlocks_at(request, credentials=None):
    """When a locked request may try again: the cool-off after the last counted
    failure of what is locked (later if it is locked again meanwhile)."""
    from axes.handlers.proxy import AxesProxyHandler

    AxesProxyHandler.update_request(request)
    handler = AxesProxyHandler.get_implementation()
    cool_off = get_cool_off(request)
    latest = [
        attempts.aggregate(t=Max("attempt_time"))["t"]
        for attempts in handler.over_limit(request, credentials)
    ]
    latest = [moment for moment in latest if moment is not None]
    return (max(latest) if latest else timezone.now()) + cool_off


def lockout_message(request, credentials=None):
    """The message and the seconds to wait."""
    until = unlocks_at(request, credentials)
    seconds = max(1, math.ceil((until - timezone.now()).total_seconds()))
    minutes = math.ceil(seconds / 60)
    message = (
        "Too many failed login attempts for this account or from your network. "
        f"Try again after {until:%H:%M} UTC "
        f"(in {minutes} minute{'s' if minutes != 1 else ''})."
    )
    return message, seconds


def lockout_response(request, original_response=None, credentials=None):
    """AXES_LOCKOUT_CALLABLE: a 429 page (JSON under /api/) saying when to try again."""
    message, seconds = lockout_message(request, credentials)
    if request.path.startswith("/api/"):
        response = JsonResponse({"detail": message}, status=429)
    else:
        response = render(
            request,
            "registration/locked_out.html",
            {"message": message},
            status=429,
        )
    response["Retry-After"] = str(seconds)
    return response


class LoginLockedOut(exceptions.APIException):
    """DRF's answer to a locked-out caller: 429, {"detail": ...} and Retry-After."""

    status_code = 429
    default_code = "locked_out"

    def __init__(self, request, credentials=None):
        message, self.wait = lockout_message(request, credentials)
        super().__init__(message)


def is_locked_out(request):
    """Whether the last `authenticate(request=request)` was refused by the lockout."""
    return bool(getattr(request, "axes_locked_out", False))


def client_address(request):
    """The caller's address, read as the login lockout reads it (django-axes), so
    throttles and lockout count the same addresses."""
    return get_client_ip_address(request) or ""


def parse_rate(rate):
    """ "10/hour" -> (10, 3600)."""
    number, period = rate.split("/")
    return int(number), PERIODS[period.strip()[0]]


def hit(scope, ident, rate):
    """Count one request of `ident` in the current window of `rate`.

    None while within the rate, else the seconds until the window ends. Also None
    when the cache cannot count (fail open, see the module docstring).
    """
    limit, period = parse_rate(rate)
    now = time.time()
    window = int(now // period)
    digest = hashlib.sha256(ident.encode()).hexdigest()[:32]
    key = f"limits:{scope}:{digest}:{window}"
    try:
        try:
            count = cache.incr(key)
        except ValueError:  # the window's first request
            count = 1 if cache.add(key, 1, period + 1) else cache.incr(key)
    except Exception:  # the cache is down
        log.warning("Cannot count %s requests: letting them through", scope)
        return None
    if count is None or count <= limit:
        return None
    return max(1, math.ceil((window + 1) * period - now))


def wait_text(seconds):
    minutes = math.ceil(seconds / 60)
    return f"{minutes} minute{'s' if minutes != 1 else ''}"
