"""The account page and its actions, under /account/ (classroom.account_views)."""

from django.urls import path

from classroom.account_views import (
    AccountDataView,
    AccountDeleteView,
    AccountPasswordChangeView,
    AccountView,
)

app_name = "account"

urlpatterns = [
    path("", AccountView.as_view(), name="index"),
    path("password/", AccountPasswordChangeView.as_view(), name="password_change"),
    path("data/", AccountDataView.as_view(), name="data"),
    path("delete/", AccountDeleteView.as_view(), name="delete"),
]
