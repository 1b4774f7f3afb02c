"""GraphQL machinery shared by every context: the error type, the mutation base, error masking."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, ClassVar

import graphene
from graphene_django.views import GraphQLView

from ocg.spine.errors import PermissionDenied, Unauthenticated, as_error_dict, is_domain_error
from ocg.spine.eventstore import tracking_written_positions
from ocg.spine.graphql_errors import format_error as format_graphql_error
from ocg.spine.graphql_limits import LimitedGraphQLViewMixin
from ocg.spine.permissions import has_permission
from ocg.spine.projections import wait_for_projection

logger = logging.getLogger(__name__)


class Error(graphene.ObjectType):
    field = graphene.String(description="The input field at fault, if one is.")
    code = graphene.String(required=True, description="A stable machine-readable code.")
    message = graphene.String(required=True)


@dataclass(frozen=True)
class Written:
    """What a mutation that changed an aggregate answers: its id, and the read model's view unless that lags."""

    id: Any
    result: Any = None
    pending: bool = False


def read_your_write(projection: str, aggregate_id: Any, read: Callable[[Any], Any]) -> Written:
    """The aggregate as `projection` shows it once it has applied this request's writes.

    The wait is bounded by PROJECTION_WAIT_SECONDS: past it the answer is pending, with the id,
    rather than null or a stale row; the change is stored and the client reads it again later.
    """
    if wait_for_projection(projection):
        return Written(aggregate_id, read(aggregate_id))
    return Written(aggregate_id, pending=True)


class DomainMutation(graphene.Mutation):
    """Base of every mutation: declares its permission; returns `{result, pending, errors}`, never raises.

    Subclasses declare `permission` and implement `perform(info, **input)` returning the result,
    or a `Written` (see `read_your_write`) when the result comes from a projection.
    """

    permission: ClassVar[str | None] = None

    errors = graphene.List(graphene.NonNull(Error), required=True)
    pending = graphene.Boolean(
        required=True,
        description="True when the change is stored but the read model has not caught up yet: "
        "`result` is then null, and reading again later shows it.",
    )

    class Meta:
        abstract = True

    @classmethod
    def mutate(cls, root: Any, info: graphene.ResolveInfo, **arguments: Any) -> DomainMutation:
        try:
            cls.check_permission(info.context.user)
            with tracking_written_positions():
                result = cls.perform(info, **arguments)
        except Exception as error:
            if not is_domain_error(error):
                raise
            return cls(result=None, pending=False, errors=[as_error_dict(error)])
        if not isinstance(result, Written):
            return cls(result=result, pending=False, errors=[])
        known = {"id": result.id} if "id" in cls._meta.fields else {}
        return cls(result=result.result, pending=result.pending, errors=[], **known)

    @classmethod
    def check_permission(cls, user: Any) -> None:
        if cls.permission is None:
            return
        if not user.is_authenticated:
            raise Unauthenticated("Sign in to do this.")
        if not has_permission(user, cls.permission):
            raise PermissionDenied(f"You need the {cls.permission} permission.")

    @classmethod
    def perform(cls, info: graphene.ResolveInfo, **arguments: Any) -> Any:
        raise NotImplementedError


class AggregateMutation(DomainMutation):
    """A mutation that creates or changes one aggregate: its payload names it even while `pending`."""

    id = graphene.UUID(description="The aggregate created or changed; set even while pending.")

    class Meta:
        abstract = True


class OCGGraphQLView(LimitedGraphQLViewMixin, GraphQLView):
    """Every error carries a code; an unexpected exception's text never reaches the client, it is logged instead."""

    @staticmethod
    def format_error(error: Exception) -> dict[str, Any]:
        return format_graphql_error(error)
