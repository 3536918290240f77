from django.urls import path

from chat import views

app_name = "chat"

urlpatterns = [
    path("room/<id:course_id>/", views.ChatRoomView.as_view(), name="course_chat_room"),
]
