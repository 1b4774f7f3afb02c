"""Admin actions that run a context's command for each selected row, with a form page in between if they
need one. Every context's admin uses these, so a refusal always reads the same way: a message naming the row,
while the other rows go ahead."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.http import HttpRequest
from django.template.response import TemplateResponse

from ocg.spine.domain import DomainError
from ocg.spine.eventstore import tracking_written_positions
from ocg.spine.projections import wait_for_projection

ACTION_FORM_TEMPLATE = "admin/spine/action_form.html"


def run_each(
    model_admin: admin.ModelAdmin,
    request: HttpRequest,
    rows: Any,
    command: Callable[[Any], Any],
    done: str,
    *,
    projection: str | None = None,
    label: Callable[[Any], str] = str,
) -> None:
    """One command per row. With `projection`, the page waits (bounded) for it to apply the commands' events,
    so the list it returns to shows the change."""
    rows = list(rows)
    succeeded = 0
    with tracking_written_positions():
        for row in rows:
            try:
                command(row)
            except DomainError as error:
                model_admin.message_user(request, f"{label(row)}: {error.message}", messages.ERROR)
            else:
                succeeded += 1
        if succeeded and projection:
            wait_for_projection(projection)
    if succeeded:
        model_admin.message_user(request, f"{done}: {succeeded} of {len(rows)}.", messages.SUCCESS)


def form_action(
    model_admin: admin.ModelAdmin,
    request: HttpRequest,
    rows: Any,
    form_class: type[forms.Form],
    *,
    title: str,
    submit: str,
    apply: Callable[[Any, dict[str, Any]], Any],
    done: str,
    projection: str | None = None,
    label: Callable[[Any], str] = str,
    initial: dict[str, Any] | None = None,
    form_kwargs: dict[str, Any] | None = None,
    template: str = ACTION_FORM_TEMPLATE,
) -> TemplateResponse | None:
    """The form first (it lists the selected rows), then `apply(row, cleaned_data)` for each of them."""
    rows = list(rows)
    form_kwargs = form_kwargs or {}
    if "apply" in request.POST:
        form = form_class(request.POST, **form_kwargs)
        if form.is_valid():
            run_each(
                model_admin,
                request,
                rows,
                lambda row: apply(row, form.cleaned_data),
                done,
                projection=projection,
                label=label,
            )
            return None
    else:
        form = form_class(initial=initial, **form_kwargs)
    context = {
        **model_admin.admin_site.each_context(request),
        "title": title,
        "form": form,
        "queryset": rows,
        "opts": model_admin.model._meta,
        "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
        "action": request.POST.get("action", ""),
        "submit": submit,
    }
    return TemplateResponse(request, template, context)
