"""The course page and the student's course list lead members to the chat room."""

from django.urls import reverse

from classroom.models import Enrollment


def test_enrolled_student_finds_the_room_from_course_page_and_list(
    client, course, student
):
    Enrollment.objects.create(student=student, course=course)
    client.force_login(student)
    room = reverse("chat:course_chat_room", args=[course.pk])

    assert room in client.get(course.url).content.decode()
    assert room in client.get(reverse("student_course_list")).content.decode()


def test_owner_finds_the_room_from_course_page(client, course):
    client.force_login(course.owner)

    room = reverse("chat:course_chat_room", args=[course.pk])
    assert room in client.get(course.url).content.decode()


def test_visitor_and_outsider_see_no_room_link(client, course, student):
    room = reverse("chat:course_chat_room", args=[course.pk])
    assert room not in client.get(course.url).content.decode()

    client.force_login(student)
    assert room not in client.get(course.url).content.decode()
