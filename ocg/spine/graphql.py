"""GraphQL machinery shared by every context: the error type, the mutation base, error masking."""

from __future__ import annotations

import contextvars
import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, ClassVar

import graphene
from graphene.utils.props import props
from graphene_django.views import GraphQLView
from graphql import FieldNode, FragmentSpreadNode, InlineFragmentNode

from ocg.spine.errors import PermissionDenied, Unauthenticated, as_error_dict, is_domain_error
from ocg.spine.eventstore import tracking_written_positions
from ocg.spine.graphql_errors import format_error as format_graphql_error
from ocg.spine.graphql_view import LimitedGraphQLViewMixin
from ocg.spine.idempotency import note_error_codes
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


# Whether the mutation being answered selected `result` or `pending`: only then is the read model waited for.
_reading_back: contextvars.ContextVar[bool] = contextvars.ContextVar("reading_back", default=True)
READ_BACK_FIELDS = frozenset({"result", "pending"})


def read_your_write(projection: str, aggregate_id: Any, read: Callable[[Any], Any]) -> Written:
    """The aggregate as `projection` shows it once it has applied this request's writes.

    The wait is bounded by PROJECTION_WAIT_SECONDS: past it the answer is pending, with the id,
    rather than null or a stale row; the change is stored and the client reads it again later.
    A client that selected neither `result` nor `pending` is not kept waiting for a view it did not ask for.
    """
    if not _reading_back.get():
        return Written(aggregate_id)
    if wait_for_projection(projection):
        return Written(aggregate_id, read(aggregate_id))
    return Written(aggregate_id, pending=True)


def selected_fields(info: graphene.ResolveInfo) -> set[str]:
    """The names selected on the field being resolved, through inline fragments and fragment spreads."""
    names: set[str] = set()

    def collect(selections: Iterable[Any]) -> None:
        for node in selections:
            if isinstance(node, FieldNode):
                names.add(node.name.value)
            elif isinstance(node, InlineFragmentNode):
                collect(node.selection_set.selections)
            elif isinstance(node, FragmentSpreadNode) and node.name.value in info.fragments:
                collect(info.fragments[node.name.value].selection_set.selections)

    for field_node in info.field_nodes:
        if field_node.selection_set is not None:
            collect(field_node.selection_set.selections)
    return names


class DomainMutation(graphene.Mutation):
    """Base of every mutation: declares its permission; returns `{result, pending, errors}`, never raises.

    Subclasses declare `permission` and implement `perform(info, **input)` returning the result,
    or a `Written` (see `read_your_write`) when the result comes from a projection.

    `idempotent = True` adds an optional `idempotencyKey: String` argument (the `Idempotency-Key` header
    works on any mutation sent alone); `idempotency_required = True` also makes a missing key a 400.
    See ocg/spine/idempotency.py.
    """

    permission: ClassVar[str | None] = None
    idempotent: ClassVar[bool] = False
    idempotency_required: ClassVar[bool] = False

    errors = graphene.List(graphene.NonNull(Error), required=True)
    pending = graphene.Boolean(
        required=True,
        description="True when the change is stored but the read model has not caught up yet: "
        "`result` is then null, and reading again later shows it.",
    )

    class Meta:
        abstract = True

    @classmethod
    def __init_subclass_with_meta__(cls, arguments: dict[str, Any] | None = None, **options: Any) -> None:
        if cls.idempotent or cls.idempotency_required:
            if not arguments:
                declared = getattr(cls, "Arguments", None)
                arguments = props(declared) if declared else {}
            arguments = {**arguments, "idempotency_key": idempotency_key_argument(cls.idempotency_required)}
        super().__init_subclass_with_meta__(arguments=arguments, **options)

    @classmethod
    def mutate(cls, root: Any, info: graphene.ResolveInfo, **arguments: Any) -> DomainMutation:
        arguments.pop("idempotency_key", None)
        reading_back = _reading_back.set(bool(READ_BACK_FIELDS & selected_fields(info)))
        try:
            cls.check_permission(info.context.user)
            with tracking_written_positions():
                result = cls.perform(info, **arguments)
        except Exception as error:
            if not is_domain_error(error):
                raise
            note_error_codes(info.context, [error.code])  # type: ignore[attr-defined]
            return cls(result=None, pending=False, errors=[as_error_dict(error)])
        finally:
            _reading_back.reset(reading_back)
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


def idempotency_key_argument(required: bool) -> graphene.String:
    need = "Required" if required else "Optional"
    return graphene.String(
        description=f"{need}: a unique value (a UUID) for this operation, the same on each retry of it; the "
        "first answer is replayed to retries. Or send it as the Idempotency-Key header."
    )


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
