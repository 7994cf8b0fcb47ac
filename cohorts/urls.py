from django.urls import path

from cohorts import views

urlpatterns = [
    path("", views.cohort_list, name="cohort_list"),
    path("new/", views.new_cohort, name="cohort_new"),
    path("join/", views.join, name="cohort_join"),
    path("<int:cohort_id>/", views.board, name="cohort_board"),
    path("<int:cohort_id>/edit/", views.edit_cohort, name="cohort_edit"),
    path("<int:cohort_id>/code/", views.regenerate_code, name="cohort_regenerate_code"),
    path("<int:cohort_id>/export.csv", views.export_csv, name="cohort_export_csv"),
    path("<int:cohort_id>/export.json", views.export_json, name="cohort_export_json"),
    path(
        "<int:cohort_id>/learners/<int:user_id>/",
        views.learner_timeline,
        name="cohort_learner",
    ),
    path(
        "<int:cohort_id>/learners/<int:user_id>/remove/",
        views.remove_learner,
        name="cohort_remove_learner",
    ),
    path(
        "<int:cohort_id>/learners/<int:user_id>/sessions/<int:session_id>/reset/",
        views.reset_session,
        name="cohort_reset_session",
    ),
]
