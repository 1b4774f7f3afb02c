"""The catalog's benchmarks. Four of them measure the spine (event store, projection lag, relay,
rebuild) with the catalog's commands as the workload, since the spine has no aggregate of its own."""
