"""The test suite's PostgreSQL backend (tests/postgresql_flush): a transactional
test's flush deletes rows, and Django's flush still goes through it."""

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.color import no_style
from django.db import connection
from django.test.utils import CaptureQueriesContext


def on_postgres(test):
    """The backend is the PostgreSQL pass's: on SQLite the test is not collected."""
    return test if settings.USING_POSTGRES else None


@on_postgres
def test_the_flush_deletes_rows_rather_than_truncating_tables():
    assert connection.ops.sql_flush(no_style(), ["a_table", "b_table"]) == [
        'DELETE FROM "a_table";',
        'DELETE FROM "b_table";',
    ]


@on_postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_djangos_flush_goes_through_it():
    get_user_model().objects.create_user("someone")
    with CaptureQueriesContext(connection) as flush:
        # As TransactionTestCase calls it after each test.
        call_command(
            "flush",
            verbosity=0,
            interactive=False,
            reset_sequences=False,
            allow_cascade=False,
            inhibit_post_migrate=True,
        )

    statements = [query["sql"] for query in flush.captured_queries]
    assert any(sql.startswith('DELETE FROM "auth_user"') for sql in statements)
    assert not any("TRUNCATE" in sql for sql in statements)
    assert not get_user_model().objects.exists()
