"""The order's live chat: a WebSocket per participant, messages in a table the negotiation context owns.

access.py says who may join; store.py reads and writes the rows; consumer.py is the socket; notify.py mails an
offline party; projection.py writes the system lines from order and negotiation events; tasks.py deletes
finished orders' chats; groups.py names the channel-layer groups and sends to them from sync code.
"""
