from django.contrib import admin

from labs.models import LabSession, SessionEvent, StepResult


@admin.register(LabSession)
class LabSessionAdmin(admin.ModelAdmin):
    list_display = ["id", "lab_id", "owner", "state", "namespace", "last_seq", "expires_at"]
    list_filter = ["state", "lab_id"]
    # The kubeconfig is the learner's credential: keep it out of the admin form.
    exclude = ["kubeconfig"]


@admin.register(SessionEvent)
class SessionEventAdmin(admin.ModelAdmin):
    list_display = ["session", "seq", "kind", "dedupe_key", "created_at"]
    list_filter = ["kind"]


@admin.register(StepResult)
class StepResultAdmin(admin.ModelAdmin):
    list_display = ["session", "step_id", "evidence_seq", "passed_at"]
