"""The chat room page; the conversation itself runs over the socket (consumers.py)."""

from django.conf import settings
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404
from django.views.generic import TemplateView

from chat.consumers import HISTORY_PAGE, with_roles
from chat.models import ChatMessage
from learning.access import can_view_contents
from learning.models import CoursePage


class ChatRoomView(LoginRequiredMixin, TemplateView):
    """A course's room: the latest messages, who is online, and a box to talk."""

    template_name = "chat/room.html"

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated:
            self.course = get_object_or_404(CoursePage, pk=kwargs["course_id"])
            if not can_view_contents(request.user, self.course):
                raise PermissionDenied(
                    "Only the course's students and teacher may chat."
                )
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        messages, has_more = ChatMessage.objects.latest_page(
            self.course.pk, limit=HISTORY_PAGE
        )
        with_roles(self.course.pk, messages)
        username = self.request.user.get_username()
        context.update(
            course=self.course,
            chat_messages=messages,
            has_more=has_more,
            max_length=settings.CHAT_MAX_LENGTH,
            chat_config={
                "courseId": self.course.pk,
                "username": username,
                "socketPath": f"/ws/chat/room/{self.course.pk}/",
                "firstId": messages[0].id if messages else None,
                "lastId": messages[-1].id if messages else None,
                "hasMore": has_more,
                "maxLength": settings.CHAT_MAX_LENGTH,
            },
        )
        return context
