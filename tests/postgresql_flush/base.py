"""PostgreSQL for the test suite, with a transactional test's flush that deletes
the rows instead of truncating the tables.

After each transactional test (the chat's, the browser tests' live server) Django
flushes the database. On PostgreSQL that is one TRUNCATE of every table, which
gives each table and index new files: most of a second each time, for the few
hundred rows a test leaves. DELETE of those rows takes milliseconds, and gives the
next test the same empty tables. Django builds the flush from its backend's
`DatabaseOperations.sql_flush()`; custom database backends are Django's way to
change such a method, and this changes only that one, only for tests
(educa/settings/test.py). tests/test_postgresql_flush.py fails if Django's flush
stops going through it.
"""

from django.db.backends.postgresql import base, operations


class DatabaseOperations(operations.DatabaseOperations):
    def sql_flush(self, style, tables, *, reset_sequences=False, allow_cascade=False):
        if reset_sequences or allow_cascade:  # not what the test cases ask for
            return super().sql_flush(
                style,
                tables,
                reset_sequences=reset_sequences,
                allow_cascade=allow_cascade,
            )
        # The flush runs in one transaction and Django's foreign keys are checked
        # at its commit (DEFERRABLE INITIALLY DEFERRED), so the order is free.
        return [
            f"{style.SQL_KEYWORD('DELETE FROM')} {style.SQL_FIELD(self.quote_name(t))};"
            for t in tables
        ]


class DatabaseWrapper(base.DatabaseWrapper):
    ops_class = DatabaseOperations
