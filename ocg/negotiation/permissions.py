"""The negotiation context's permissions; the roles holding them are declared on NegotiationConfig."""

# Any signed-in account negotiates the orders it is a party to (the application checks it is one).
NEGOTIATE = "negotiation.negotiate"
# Designers set the private floors of their own products.
SET_FLOORS = "negotiation.set_floors"
# Staff see and step into every negotiation (and its chat), and set any product's floor.
MANAGE_ALL = "negotiation.manage_all"
# The order's parties (and staff) chat on it (the consumer checks it is one of theirs).
CHAT = "negotiation.chat"
