"""Progress: done published modules out of published modules, and studying a course."""

import pytest
from django.urls import reverse

from classroom.models import Enrollment, ModuleCompletion
from classroom.progress import Progress, progress_for_courses, progress_of
from demo.factories import CoursePageFactory, ModulePageFactory, UserFactory


def modules_of(course):
    return list(course.modules())


def mark_done(student, module):
    ModuleCompletion.objects.create(
        student=student, module=module, course=module.get_parent().specific
    )


def test_progress_counts_done_modules_out_of_published_ones(enrolled, course):
    first, second = modules_of(course)
    assert progress_of(enrolled, course) == Progress(done=0, total=2)
    mark_done(enrolled, first)
    progress = progress_of(enrolled, course)
    assert (progress.done, progress.total, progress.percent) == (1, 2, 50)
    assert not progress.completed
    mark_done(enrolled, second)
    assert progress_of(enrolled, course).completed


def test_unpublished_modules_do_not_count(enrolled, course):
    first, second = modules_of(course)
    mark_done(enrolled, first)
    ModulePageFactory(parent=course, title="Draft", live=False)
    assert progress_of(enrolled, course) == Progress(done=1, total=2)
    # A done module that is unpublished leaves both counts.
    first.unpublish()
    assert progress_of(enrolled, course) == Progress(done=0, total=1)
    mark_done(enrolled, second)
    assert progress_of(enrolled, course).completed


def test_deleted_modules_do_not_count(enrolled, course):
    first, second = modules_of(course)
    third = ModulePageFactory(parent=course, title="Third")
    mark_done(enrolled, first)
    mark_done(enrolled, third)
    assert progress_of(enrolled, course) == Progress(done=2, total=3)
    third.delete()
    assert progress_of(enrolled, course) == Progress(done=1, total=2)
    assert ModuleCompletion.objects.filter(student=enrolled).count() == 1


def test_other_students_and_courses_do_not_count(enrolled, course, outsider):
    other_course = CoursePageFactory(parent=course.get_parent(), title="Geometry")
    other_module = ModulePageFactory(parent=other_course, title="Angles")
    mark_done(outsider, modules_of(course)[0])
    mark_done(enrolled, other_module)
    assert progress_of(enrolled, course) == Progress(done=0, total=2)
    assert progress_of(enrolled, other_course) == Progress(done=1, total=1)


def test_a_course_without_modules_is_never_completed(enrolled, course):
    empty = CoursePageFactory(parent=course.get_parent(), title="Empty")
    progress = progress_of(enrolled, empty)
    assert (progress.total, progress.percent, progress.completed) == (0, 0, False)


def test_percent_is_rounded(enrolled, course):
    ModulePageFactory(parent=course, title="Third")
    mark_done(enrolled, modules_of(course)[0])
    assert progress_of(enrolled, course).percent == 33


def test_bulk_progress_matches_progress_of(enrolled, course, django_assert_num_queries):
    other = CoursePageFactory(parent=course.get_parent(), title="Geometry")
    ModulePageFactory(parent=other, title="Angles")
    mark_done(enrolled, modules_of(course)[0])
    with django_assert_num_queries(1):
        bulk = progress_for_courses(enrolled, [course, other])
    assert bulk == {
        course.pk: progress_of(enrolled, course),
        other.pk: progress_of(enrolled, other),
    }


def build_enrollments(student, subject, count):
    for n in range(count):
        course = CoursePageFactory(parent=subject, title=f"Course {n}")
        first = ModulePageFactory(parent=course, title=f"Module {n}a")
        ModulePageFactory(parent=course, title=f"Module {n}b")
        Enrollment.objects.create(student=student, course=course)
        if n % 2:
            mark_done(student, first)


@pytest.mark.parametrize("count", [2, 12])
def test_my_courses_query_count_does_not_grow(
    client, student, course, count, django_assert_max_num_queries
):
    build_enrollments(student, course.get_parent(), count)
    client.force_login(student)
    client.get(reverse("student_course_list"))  # warm the site root paths cache
    with django_assert_max_num_queries(6):
        response = client.get(reverse("student_course_list"))
    page = response.content.decode()
    assert page.count('class="enrolled-course"') == count
    assert page.count("1 of 2 modules done") == count // 2


def test_my_courses_shows_progress_bars_and_completion(client, enrolled, course):
    other = CoursePageFactory(parent=course.get_parent(), title="Geometry")
    only = ModulePageFactory(parent=other, title="Angles")
    Enrollment.objects.create(student=enrolled, course=other)
    mark_done(enrolled, only)
    mark_done(enrolled, modules_of(course)[0])
    client.force_login(enrolled)
    page = client.get(reverse("student_course_list")).content.decode()
    assert '<progress value="1" max="2"' in page
    assert '<progress value="1" max="1"' in page
    assert page.count("Completed</strong>") == 1
    assert "Algebra" in page and "Geometry" in page


def test_left_and_unpublished_courses_leave_my_courses(client, enrolled, course):
    client.force_login(enrolled)
    assert "Algebra" in client.get(reverse("student_course_list")).content.decode()
    course.unpublish()
    assert "Algebra" not in client.get(reverse("student_course_list")).content.decode()


def test_opening_a_course_goes_to_the_first_module_not_done(client, enrolled, course):
    first, second = modules_of(course)
    client.force_login(enrolled)
    url = reverse("student_course_detail", args=[course.pk])
    assert client.get(url)["Location"] == first.url
    mark_done(enrolled, first)
    assert client.get(url)["Location"] == second.url
    mark_done(enrolled, second)
    # All done: back to the start to review.
    assert client.get(url)["Location"] == first.url


def test_module_page_shows_modules_in_order_with_prev_next(client, enrolled, course):
    first, second = modules_of(course)
    client.force_login(enrolled)
    page = client.get(second.url).content.decode()
    assert page.index(">Equations<") < page.index(">Inequalities<")
    assert f'href="{first.url}"' in page
    assert "Mark as done" in page


def test_marking_a_module_done_and_undone(client, enrolled, course):
    first, second = modules_of(course)
    client.force_login(enrolled)
    done = reverse("student_module_done")
    response = client.post(done, {"module_id": first.pk, "done": "true"})
    assert response["Location"] == second.url  # on to the next module
    client.post(done, {"module_id": first.pk, "done": "true"})  # idempotent
    assert ModuleCompletion.objects.filter(student=enrolled).count() == 1
    page = client.get(first.url).content.decode()
    assert "You have done this module." in page
    assert '<progress value="1" max="2"' in page
    client.post(done, {"module_id": first.pk, "done": "false"})
    assert not ModuleCompletion.objects.exists()
    assert "Mark as done" in client.get(first.url).content.decode()


def test_finishing_the_last_module_completes_the_course(client, enrolled, course):
    first, second = modules_of(course)
    mark_done(enrolled, first)
    client.force_login(enrolled)
    response = client.post(
        reverse("student_module_done"),
        {"module_id": second.pk, "done": "true"},
        follow=True,
    )
    page = response.content.decode()
    assert "you completed Algebra" in page
    assert "Completed</strong>" in page
    assert "Completed</strong>" in client.get(course.url).content.decode()


def test_marking_an_unknown_module_is_a_400(client, enrolled):
    client.force_login(enrolled)
    response = client.post(reverse("student_module_done"), {"module_id": "x"})
    assert response.status_code == 400


def test_mark_done_needs_a_csrf_token(enrolled, course):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(enrolled)
    client.post(reverse("student_module_done"), {"module_id": modules_of(course)[0].pk})
    assert not ModuleCompletion.objects.exists()


@pytest.mark.parametrize("extra", [1, 12])
def test_module_page_query_count_does_not_grow_with_modules_done(
    client, enrolled, course, extra, django_assert_max_num_queries
):
    for n in range(extra):
        ModulePageFactory(parent=course, title=f"Extra {n}")
    for module in modules_of(course)[:-1]:
        mark_done(enrolled, module)
    client.force_login(enrolled)
    first = modules_of(course)[0]
    client.get(first.url)
    with django_assert_max_num_queries(20):
        page = client.get(first.url).content.decode()
    assert f"{extra + 1} of {extra + 2} modules done" in page


def test_the_per_user_part_costs_one_query(enrolled, course, django_assert_num_queries):
    from classroom.progress import course_status

    first, second = modules_of(course)
    mark_done(enrolled, first)
    course_status(enrolled, course, module=first)  # the shared parts, now cached
    mark_done(enrolled, second)  # what the student changes is read live
    with django_assert_num_queries(1):
        status = course_status(enrolled, course, module=second)
    assert status == {
        "enrolled": True,
        "progress": Progress(done=2, total=2),
        "module_done": True,
    }


def test_progress_is_per_student(enrolled, course):
    other = UserFactory(username="another")
    Enrollment.objects.create(student=other, course=course)
    mark_done(other, modules_of(course)[0])
    assert progress_of(enrolled, course).done == 0
    assert progress_of(other, course).done == 1


def test_course_status_is_remembered_and_exact_per_student(
    enrolled, course, django_assert_num_queries
):
    from classroom.progress import course_status

    other = UserFactory(username="another")
    Enrollment.objects.create(student=other, course=course)
    first, second = modules_of(course)
    course_status(enrolled, course, first)  # fill the cache
    course_status(other, course, first)
    with django_assert_num_queries(0):
        warm = course_status(enrolled, course, first)
    assert (warm["progress"], warm["module_done"]) == (Progress(0, 2), False)

    mark_done(enrolled, first)
    status = course_status(enrolled, course, first)
    assert (status["progress"], status["module_done"]) == (Progress(1, 2), True)
    with django_assert_num_queries(0):  # another student's entry stayed in use
        assert course_status(other, course, first)["progress"] == Progress(0, 2)

    ModuleCompletion.objects.filter(student=enrolled, module=first).delete()
    mark_done(enrolled, second)
    after = course_status(enrolled, course, first)
    assert (after["progress"], after["module_done"]) == (Progress(1, 2), False)

    second.delete()  # the module takes its completion with it
    assert course_status(enrolled, course, first)["progress"] == Progress(0, 1)
