from django.urls import path

from chat import views

app_name = "chat"

urlpatterns = [
    path(
        "room/<int:course_id>/", views.ChatRoomView.as_view(), name="course_chat_room"
    ),
]
