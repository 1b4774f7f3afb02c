"""Order numbers people can read out (OCG-2026-000123), unique because the database issues them.

On PostgreSQL a sequence (migration 0001) hands out each number once, even to concurrent commands in
several processes, without a lock held across the command; embedded SQLite (one process) takes the
next id of a table. A command that fails after taking a number leaves a gap, never a duplicate.
"""

from __future__ import annotations

from django.db import connection
from django.utils import timezone

from ocg.orders.models import IssuedOrderNumber

SEQUENCE = "orders_order_number_seq"


def next_number() -> str:
    return f"OCG-{timezone.now().year}-{next_value():06d}"


def next_value() -> int:
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT nextval(%s)", [SEQUENCE])
            return cursor.fetchone()[0]
    return IssuedOrderNumber.objects.create().id
