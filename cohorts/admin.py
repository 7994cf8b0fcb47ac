from django.contrib import admin

from cohorts.models import Cohort, Membership


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    raw_id_fields = ["learner"]


@admin.register(Cohort)
class CohortAdmin(admin.ModelAdmin):
    list_display = ["name", "trainer", "join_code", "starts_at", "ends_at", "created_at"]
    search_fields = ["name", "join_code", "trainer__username"]
    inlines = [MembershipInline]


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ["cohort", "learner", "joined_at"]
    list_filter = ["cohort"]
