"""SQL queries and response size per page, through Django's test client.

Run by bench/run.py with the benchmark's environment: `python bench/page_stats.py
'{"name": ["/path/", needs_login], ...}'`. Prints one JSON line. Each page is asked
twice: with an empty cache (as right after a deploy) and again (cache warm).
"""

import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import django  # noqa: E402

django.setup()

from django.contrib.auth import get_user_model  # noqa: E402
from django.core.cache import cache  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402


def main():
    pages = json.loads(sys.argv[1])
    student = get_user_model().objects.get(username="learner1")
    stats = {}
    for name, (path, needs_login) in pages.items():
        client = Client()
        if needs_login:
            client.force_login(student)
        cache.clear()  # sessions are in the database too (cached_db)
        counts = []
        for _ in range(2):
            with CaptureQueriesContext(connection) as queries:
                response = client.get(path)
            counts.append(len(queries))
        stats[name] = {
            "queries_first": counts[0],
            "queries_second": counts[1],
            "status": response.status_code,
        }
    print(json.dumps(stats))


if __name__ == "__main__":
    main()
