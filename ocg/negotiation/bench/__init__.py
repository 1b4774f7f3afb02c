"""The negotiation context's benchmarks (`manage.py bench chat`)."""
