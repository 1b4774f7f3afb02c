"""Staff edit users here. Account changes go through the identity services, like every other change.

A role, an enable or disable and a password set in the admin therefore write the account's
events, and a disable or a new password also end the sessions issued before it. Adding a user
registers the account (method "admin"); deleting one, alone or in bulk, closes it, recording
which staff account did so; each in the same transaction as the row.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.contrib.auth.forms import AdminPasswordChangeForm, UserChangeForm
from django.db import transaction
from django.db.models import QuerySet
from django.http import HttpRequest

from ocg.identity import services
from ocg.identity.domain import BASE_ROLE, REASON_MAX_LENGTH, InvalidAccount, clean_display_name, clean_reason
from ocg.identity.models import User
from ocg.spine.domain import DomainError

ACCOUNT_FIELDS = ("is_active", "role")
ADDED_BY_STAFF = "admin"  # the registration method of an account staff added here


class AccountPasswordChangeForm(AdminPasswordChangeForm):
    """Sets the password through the service: the event is written and older tokens stop working."""

    def save(self, commit: bool = True) -> User:
        if self.cleaned_data["set_usable_password"]:
            services.change_password(self.user, self.cleaned_data["password1"])
        else:
            services.remove_password(self.user)
        return self.user


class AccountChangeForm(UserChangeForm):
    """Checks up front what the account's rules would refuse, so a refused change saves nothing."""

    disable_reason = forms.CharField(
        required=False,
        max_length=REASON_MAX_LENGTH,
        help_text="Required when you untick Active: recorded with the account.",
    )

    def clean_display_name(self) -> str:
        """Staff-typed names follow the same text rule as the ones clients send."""
        try:
            return clean_display_name(self.cleaned_data.get("display_name"))
        except InvalidAccount as error:
            raise forms.ValidationError(error.message) from None

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        disabling = "is_active" in self.changed_data and not cleaned.get("is_active")
        if disabling and not (cleaned.get("disable_reason") or "").strip():
            self.add_error("disable_reason", "Give a reason for disabling this account.")
        elif disabling:
            try:
                cleaned["disable_reason"] = clean_reason(cleaned["disable_reason"])
            except InvalidAccount as error:
                self.add_error("disable_reason", error.message)
        if "role" in self.changed_data and not cleaned.get("is_active"):
            self.add_error("role", "A disabled account keeps its role: enable it to change the role.")
        return cleaned


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    ordering = ["email"]
    list_display = ["email", "display_name", "role", "is_active", "is_staff", "date_joined"]
    list_filter = ["role", "is_active", "is_staff"]
    search_fields = ["email", "display_name"]
    fieldsets = [
        (None, {"fields": ["email", "password"]}),
        ("Profile", {"fields": ["display_name", "role"]}),
        (
            "Access",
            {"fields": ["is_active", "disable_reason", "is_staff", "is_superuser", "groups", "user_permissions"]},
        ),
        ("Dates", {"fields": ["last_login", "date_joined"]}),
    ]
    add_fieldsets = [(None, {"classes": ["wide"], "fields": ["email", "role", "password1", "password2"]})]
    form = AccountChangeForm
    change_password_form = AccountPasswordChangeForm

    def save_model(self, request: HttpRequest, obj: User, form: Any, change: bool) -> None:
        """Other fields save as usual; role and active state change through the services, after them."""
        if not change:
            services.register_user(obj, ADDED_BY_STAFF)
            return
        stored = User.objects.get(pk=obj.pk)
        wanted = {name: getattr(obj, name) for name in ACCOUNT_FIELDS if name in form.changed_data}
        for name in wanted:
            setattr(obj, name, getattr(stored, name))
        super().save_model(request, obj, form, change)
        try:
            self._change_account(obj, wanted, form.cleaned_data.get("disable_reason", ""))
        except DomainError as error:
            messages.error(request, f"The account was not changed: {error}")

    def changeform_view(self, request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
        """Django runs this view in a transaction: the event store is built before it opens (see services)."""
        services.identity()
        return super().changeform_view(request, *args, **kwargs)

    def delete_view(self, request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
        services.identity()
        return super().delete_view(request, *args, **kwargs)

    def delete_model(self, request: HttpRequest, obj: User) -> None:
        services.delete_account(obj, closed_by=request.user)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[User]) -> None:
        """The bulk action: one by one, so each account's stream records its closing; all or none."""
        services.identity()
        with transaction.atomic():
            for user in queryset:
                services.delete_account(user, closed_by=request.user)

    @staticmethod
    def _change_account(user: User, wanted: dict[str, Any], disable_reason: str) -> None:
        if wanted.get("is_active") is True:
            services.enable_account(user)
        if "role" in wanted:
            if wanted["role"] == BASE_ROLE:
                services.revoke_role(user, user.role)
            else:
                services.grant_role(user, wanted["role"])
        if wanted.get("is_active") is False:
            services.disable_account(user, disable_reason)
