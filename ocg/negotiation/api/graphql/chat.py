"""The chat over GraphQL: an order's messages page by page (`chatMessages`), and `ChatMarkRead`.

For the order's customer, its designer and staff; anyone else is refused with `permission_denied`, an order
that does not exist is `not_found`. Live messages, typing and read receipts flow over the WebSocket.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

import graphene

from ocg.negotiation.chat import access, store
from ocg.negotiation.chat.consumer import receipt_frame
from ocg.negotiation.chat.groups import order_group, send
from ocg.negotiation.models import ChatMessage as ChatMessageRow
from ocg.negotiation.models import ChatReadReceipt as ChatReadReceiptRow
from ocg.spine.graphql import DomainMutation
from ocg.spine.graphql_common import PageInfo, client_errors, requires


class ChatMessageKind(graphene.Enum):
    USER = "user"
    SYSTEM = "system"


class ChatMessage(graphene.ObjectType):
    id = graphene.Int(required=True, description="Increases through the conversation.")
    order_id = graphene.UUID(required=True)
    author_id = graphene.UUID(description="Null for system messages.")
    author_role = graphene.String(required=True, description="customer, designer, staff or system.")
    kind = graphene.Field(ChatMessageKind, required=True)
    text = graphene.String(required=True)
    created_at = graphene.DateTime(required=True)

    @staticmethod
    def resolve_kind(root: ChatMessageRow, info: graphene.ResolveInfo) -> str:
        return root.kind


class ChatMessageEdge(graphene.ObjectType):
    cursor = graphene.String(required=True)
    node = graphene.Field(ChatMessage, required=True)


class ChatMessageConnection(graphene.ObjectType):
    edges = graphene.List(graphene.NonNull(ChatMessageEdge), required=True)
    page_info = graphene.Field(PageInfo, required=True)

    @staticmethod
    def resolve_edges(root: store.Page, info: graphene.ResolveInfo) -> list[ChatMessageEdge]:
        return [ChatMessageEdge(cursor=c, node=row) for c, row in zip(root.cursors, root.rows, strict=True)]

    @staticmethod
    def resolve_page_info(root: store.Page, info: graphene.ResolveInfo) -> PageInfo:
        cursors = root.cursors
        return PageInfo(
            has_next_page=root.has_next,
            has_previous_page=root.has_previous,
            start_cursor=cursors[0] if cursors else None,
            end_cursor=cursors[-1] if cursors else None,
        )


class ChatReadReceipt(graphene.ObjectType):
    order_id = graphene.UUID(required=True)
    user_id = graphene.UUID(required=True)
    last_read_id = graphene.Int(required=True, description="The last message the reader has seen.")
    read_at = graphene.DateTime(required=True)


class Query(graphene.ObjectType):
    chat_messages = graphene.Field(
        ChatMessageConnection,
        required=True,
        order=graphene.UUID(required=True),
        first=graphene.Int(description=f"1 to {store.PAGE_MAX}; default {store.PAGE_DEFAULT}."),
        after=graphene.String(description="The `endCursor` of the page before."),
        description="An order's chat, oldest first: for its customer, its designer and staff.",
    )

    @staticmethod
    @client_errors
    @requires(access.CHAT)
    def resolve_chat_messages(
        root: Any, info: graphene.ResolveInfo, order: UUID, first: int | None = None, after: str | None = None
    ) -> store.Page:
        access.role_in(info.context.user, order)
        return store.page(order, first, after)


class ChatMarkRead(DomainMutation):
    """Record that the caller has read an order's chat up to a message; the other sockets are told."""

    permission = access.CHAT

    class Arguments:
        order = graphene.UUID(required=True)
        message_id = graphene.Int(required=True)

    result = graphene.Field(ChatReadReceipt)

    @classmethod
    def perform(cls, info: graphene.ResolveInfo, order: UUID, message_id: int) -> ChatReadReceiptRow:
        user = info.context.user
        access.role_in(user, order)
        receipt = store.mark_read(order, user.id, message_id)
        send(order_group(order), {"type": "chat.read", **receipt_frame(receipt)})
        return receipt


class Mutation(graphene.ObjectType):
    chat_mark_read = ChatMarkRead.Field()
