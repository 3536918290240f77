"""PostgreSQL's pg_trgm, for the search's tolerance of typos (search.queries).

CreateExtension does nothing on other databases, so SQLite runs this as a no-op.
"""

from django.contrib.postgres.operations import TrigramExtension
from django.db import migrations


class Migration(migrations.Migration):
    dependencies = []

    operations = [TrigramExtension()]
