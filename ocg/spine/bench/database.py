"""Benchmarks run on PostgreSQL, in a database of their own unless DATABASE_URL names one."""

import os

import psycopg

DEFAULT_BENCH_DATABASE_URL = "postgresql://postgres@127.0.0.1:5432/ocg_bench"


def use_benchmark_database() -> None:
    url = os.environ.get("DATABASE_URL") or DEFAULT_BENCH_DATABASE_URL
    if not url.startswith("postgres"):
        raise SystemExit("Benchmarks need PostgreSQL: set DATABASE_URL to a postgresql:// URL.")
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DEBUG", "1")
    info = psycopg.conninfo.conninfo_to_dict(url)
    name = info.pop("dbname")
    with psycopg.connect(**info, dbname="postgres", autocommit=True) as connection:
        exists = connection.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone()
        if not exists:
            connection.execute(psycopg.sql.SQL("CREATE DATABASE {}").format(psycopg.sql.Identifier(name)))
