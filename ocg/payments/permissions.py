"""The payments context's permissions; the roles holding them are declared on PaymentsConfig."""

# Any signed-in buyer sees the payments of the orders they are a party to, and asks for a refund of their own.
SEE_PAYMENTS = "payments.see_payments"
REQUEST_REFUNDS = "payments.request_refunds"
# Staff see every payment and refund, approve or reject refunds, and read and export the audit trail.
MANAGE_REFUNDS = "payments.manage_refunds"
# Any signed-in buyer pays an order of their own (the application checks it is theirs).
PAY_ORDERS = "payments.pay_orders"
