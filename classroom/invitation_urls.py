"""Invitations to enroll (signed links sent by email)."""

urlpatterns = []
