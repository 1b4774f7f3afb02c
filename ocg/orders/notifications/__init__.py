"""Order and stock mails from Kafka: recorded once per event, then delivered through Django's email backend.

handlers.py turns envelopes into rendered mails inside the transaction that records each envelope as
consumed; delivery.py sends them with a claim/send/settle protocol; consumer.py runs both loops
(`manage.py consume_notifications`); mail.py holds the subjects and templates.
"""

from ocg.orders.notifications.consumer import CONSUMER_NAME, GROUP_OPTIONS, NotificationConsumer, Sender
from ocg.orders.notifications.delivery import DeliveryReport, SmtpUnavailable, deliver_due
from ocg.orders.notifications.handlers import TOPICS, handle

__all__ = [
    "CONSUMER_NAME",
    "GROUP_OPTIONS",
    "TOPICS",
    "DeliveryReport",
    "NotificationConsumer",
    "Sender",
    "SmtpUnavailable",
    "deliver_due",
    "handle",
]
