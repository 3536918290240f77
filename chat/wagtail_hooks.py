"""Chat messages in the Wagtail admin, for moderation.

Instructors read and delete the messages of their own courses' rooms; superusers
those of every room. A Wagtail ModelViewSet (rather than a snippet) because
messages are not content to edit: only the listing, the inspect page and the
delete page are exposed, each over the owner-filtered queryset, so no URL reaches
another course's messages.
"""

import django_filters
from django.shortcuts import get_object_or_404
from django.urls import path
from django.utils.text import Truncator
from wagtail import hooks
from wagtail.admin.filters import WagtailFilterSet
from wagtail.admin.ui.tables import Column, DateColumn
from wagtail.admin.views.generic import DeleteView, IndexView, InspectView
from wagtail.admin.viewsets.model import ModelViewSet
from wagtail.permissions import register_permission_policy

from chat.models import ChatMessage
from learning.permissions import (
    CourseOwnerPermissionPolicy,
    courses_administered_by,
)


class ChatMessagePermissionPolicy(CourseOwnerPermissionPolicy):
    """Messages are written in the room, never in the admin: no add or change."""

    actions = frozenset({"view", "delete"})

    def instances_user_has_any_permission_for(self, user, actions):
        queryset = super().instances_user_has_any_permission_for(user, actions)
        return queryset.select_related("author", "course")


chat_message_policy = ChatMessagePermissionPolicy(ChatMessage)
register_permission_policy(ChatMessage, chat_message_policy, exact_class=True)


class ChatMessageFilterSet(WagtailFilterSet):
    course = django_filters.ModelChoiceFilter(
        queryset=courses_administered_by, label="Course"
    )

    class Meta:
        model = ChatMessage
        fields = ["course"]


class ModeratedMessagesMixin:
    def moderated_messages(self):
        return chat_message_policy.instances_user_has_permission_for(
            self.request.user, "view"
        )


class ChatMessageIndexView(ModeratedMessagesMixin, IndexView):
    def get_base_queryset(self):
        return self.moderated_messages()


class ChatMessageInspectView(ModeratedMessagesMixin, InspectView):
    def get_object(self, queryset=None):
        return get_object_or_404(self.moderated_messages(), pk=self.pk)


class ChatMessageDeleteView(ModeratedMessagesMixin, DeleteView):
    def get_queryset(self):
        return self.moderated_messages()

    def get_usage_url(self):
        # Nothing refers to a message; the usage page is not exposed.
        return None


def short_text(message):
    return Truncator(message.text).chars(80)


class ChatMessageViewSet(ModelViewSet):
    """The messages said in my courses' rooms: read them, delete the bad ones."""

    model = ChatMessage
    index_view_class = ChatMessageIndexView
    inspect_view_class = ChatMessageInspectView
    delete_view_class = ChatMessageDeleteView
    menu_label = "Chat messages"
    icon = "comment"
    add_to_admin_menu = True
    menu_order = 260
    copy_view_enabled = False
    inspect_view_enabled = True
    exclude_form_fields = []
    filterset_class = ChatMessageFilterSet
    ordering = ["-created"]
    list_display = [
        Column("text", label="Message", accessor=short_text),
        Column("author", label="Author", accessor="author_name"),
        Column("course", label="Course", accessor="course.title"),
        DateColumn("created", label="Said"),
    ]
    inspect_view_fields = ["course", "author", "created", "text"]

    def get_urlpatterns(self):
        return [
            path("", self.index_view, name="index"),
            path("results/", self.index_results_view, name="index_results"),
            path("inspect/<id:pk>/", self.inspect_view, name="inspect"),
            path("delete/<id:pk>/", self.delete_view, name="delete"),
        ]


@hooks.register("register_admin_viewset")
def register_chat_message_viewset():
    return ChatMessageViewSet("chat_messages")
