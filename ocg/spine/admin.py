from django.contrib import admin

from ocg.spine.models import FollowerStall, IdempotencyRecord, ProjectionPosition, SkippedEvent


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


@admin.register(FollowerStall)
class FollowerStallAdmin(ReadOnlyAdmin):
    """Followers retrying an event they cannot apply; a row goes away once its follower moves on."""

    list_display = ["follower", "source", "position", "event_position", "event_topic", "attempts", "since", "error"]
    list_filter = ["follower", "source"]
    search_fields = ["follower", "originator_id"]


@admin.register(SkippedEvent)
class SkippedEventAdmin(ReadOnlyAdmin):
    """The audit trail of `manage.py skip_event`: each event a projection passed over, by whom and why."""

    list_display = ["skipped_at", "follower", "source", "position", "topic", "originator_id", "operator", "reason"]
    list_filter = ["follower", "source", "operator"]
    search_fields = ["follower", "originator_id", "reason"]
    date_hierarchy = "skipped_at"


@admin.register(IdempotencyRecord)
class IdempotencyRecordAdmin(ReadOnlyAdmin):
    """Keys clients sent with writes, to look into a reported double request; the stored body is not shown."""

    list_display = ["created_at", "scope", "key", "state", "status", "completed_at"]
    list_filter = ["state", "status"]
    search_fields = ["scope", "key"]
    date_hierarchy = "created_at"
    exclude = ["body"]
