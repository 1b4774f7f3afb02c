"""The negotiation context's APIs."""
