from django.urls import path

from labs import quiz_views, views

urlpatterns = [
    path("", views.catalogue, name="catalogue"),
    path("quizzes/<int:area>/", quiz_views.quiz_page, name="quiz"),
    path("quizzes/<int:area>/timed/", quiz_views.start_timed, name="start_timed_quiz"),
    path("quizzes/attempts/<int:attempt_id>/", quiz_views.attempt_page, name="quiz_attempt"),
    path("labs/<slug:lab_id>/start/", views.start_lab, name="start_lab"),
    path("sessions/<int:session_id>/", views.session_page, name="session"),
    path("sessions/<int:session_id>/apply/", views.apply_manifest, name="apply_manifest"),
    path("sessions/<int:session_id>/pods/", views.create_pod, name="create_pod"),
    path(
        "sessions/<int:session_id>/pods/<path:pod_name>/delete/",
        views.delete_pod,
        name="delete_pod",
    ),
    path("sessions/<int:session_id>/node/", views.node_action, name="node_action"),
    path("sessions/<int:session_id>/end/", views.end_session, name="end_session"),
    path(
        "sessions/<int:session_id>/kubeconfig/",
        views.download_kubeconfig,
        name="download_kubeconfig",
    ),
]
