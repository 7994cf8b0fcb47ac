from django.urls import path

from labs import views

urlpatterns = [
    path("", views.catalogue, name="catalogue"),
    path("labs/<slug:lab_id>/start/", views.start_lab, name="start_lab"),
    path("sessions/<int:session_id>/", views.session_page, name="session"),
    path("sessions/<int:session_id>/apply/", views.apply_manifest, name="apply_manifest"),
    path("sessions/<int:session_id>/pods/", views.create_pod, name="create_pod"),
    path(
        "sessions/<int:session_id>/pods/<str:pod_name>/delete/",
        views.delete_pod,
        name="delete_pod",
    ),
    path("sessions/<int:session_id>/end/", views.end_session, name="end_session"),
    path(
        "sessions/<int:session_id>/kubeconfig/",
        views.download_kubeconfig,
        name="download_kubeconfig",
    ),
]
