from django.contrib import admin

from ocg.spine.models import ProjectionPosition


class ReadOnlyAdmin(admin.ModelAdmin):
    """For read models and follower state: projections write them, never staff by hand."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(ProjectionPosition)
class ProjectionPositionAdmin(ReadOnlyAdmin):
    list_display = ["follower", "source", "position", "updated_at"]
    list_filter = ["follower", "source"]
