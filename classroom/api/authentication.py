"""How API callers say who they are: session, HTTP basic or token."""

import drf_spectacular.authentication
from rest_framework import authentication, exceptions

from classroom.limits import LoginLockedOut, is_locked_out


class BasicAuthentication(authentication.BasicAuthentication):
    """HTTP basic auth answering 401 with `WWW-Authenticate: Basic realm="api"`.

    DRF answers 401 (not 403) to anonymous writes only when the first
    authentication class offers a challenge, so this one is listed first.
    DRF passes the request to `authenticate()`, so the login lockout
    (classroom.limits) counts and refuses basic auth guesses like form logins; a
    locked caller gets 429 with when to try again instead of 401.
    """

    www_authenticate_realm = "api"

    def authenticate_credentials(self, userid, password, request=None):
        try:
            return super().authenticate_credentials(userid, password, request)
        except exceptions.AuthenticationFailed:
            if is_locked_out(request):
                raise LoginLockedOut(request) from None
            raise


class BasicScheme(drf_spectacular.authentication.BasicScheme):
    """Describe our BasicAuthentication in the OpenAPI schema (drf-spectacular)."""

    target_class = BasicAuthentication
