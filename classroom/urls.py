from django.urls import path

from classroom import views

urlpatterns = [
    path(
        "register/",
        views.StudentRegistrationView.as_view(),
        name="student_registration",
    ),
    path("courses/", views.StudentCourseListView.as_view(), name="student_course_list"),
    path(
        "enroll-course/",
        views.StudentEnrollCourseView.as_view(),
        name="student_enroll_course",
    ),
    path(
        "leave-course/",
        views.StudentLeaveCourseView.as_view(),
        name="student_leave_course",
    ),
    path(
        "leave-course/<id:pk>/",
        views.StudentLeaveCourseConfirmView.as_view(),
        name="student_leave_course_confirm",
    ),
    path(
        "leave-waitlist/",
        views.StudentLeaveWaitlistView.as_view(),
        name="student_leave_waitlist",
    ),
    path(
        "enroll-key/<id:pk>/",
        views.StudentEnrollKeyView.as_view(),
        name="student_enroll_key",
    ),
    path(
        "course/<id:pk>/",
        views.StudentCourseDetailView.as_view(),
        name="student_course_detail",
    ),
    path(
        "module-done/",
        views.StudentModuleDoneView.as_view(),
        name="student_module_done",
    ),
]
