#!/usr/bin/env python
import os
import sys


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ocg.settings")
    if len(sys.argv) > 1 and sys.argv[1] == "bench":
        from ocg.spine.bench.database import use_benchmark_database

        use_benchmark_database()
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()
