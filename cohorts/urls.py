# Trainers' pages (cohorts, join codes, progress board) land here in a later issue.
urlpatterns: list = []
