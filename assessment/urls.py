from django.urls import path

from assessment import assignments, grades_views, quizzes

urlpatterns = [
    path(
        "quiz/<id:module_id>/<block:block_id>/", quizzes.QuizView.as_view(), name="quiz"
    ),
    path("attempts/<id:pk>/", quizzes.AttemptView.as_view(), name="quiz_attempt"),
    path(
        "attempts/<id:pk>/save/",
        quizzes.AttemptSaveView.as_view(),
        name="quiz_attempt_save",
    ),
    path(
        "assignments/<id:module_id>/<block:block_id>/",
        assignments.AssignmentView.as_view(),
        name="assignment",
    ),
    path(
        "submissions/<id:pk>/<str:filename>",
        assignments.submission_file,
        name="submission_file",
    ),
    path("grades/", grades_views.StudentGradesView.as_view(), name="student_grades"),
]
