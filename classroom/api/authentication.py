"""How API callers say who they are: session, HTTP basic or token."""

import drf_spectacular.authentication
from rest_framework import authentication


class BasicAuthentication(authentication.BasicAuthentication):
    """HTTP basic auth answering 401 with `WWW-Authenticate: Basic realm="api"`.

    DRF answers 401 (not 403) to anonymous writes only when the first
    authentication class offers a challenge, so this one is listed first.
    """

    www_authenticate_realm = "api"


class BasicScheme(drf_spectacular.authentication.BasicScheme):
    """Describe our BasicAuthentication in the OpenAPI schema (drf-spectacular)."""

    target_class = BasicAuthentication
