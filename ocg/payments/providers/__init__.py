"""The provider port and its adapters (Stripe, PayPal): the application talks only to `PaymentProvider`."""
