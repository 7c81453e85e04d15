from django.contrib.postgres.operations import TrigramExtension, UnaccentExtension
from django.db import migrations


class Migration(migrations.Migration):
    """pg_trgm (people search, @-autocomplete) and unaccent (search) from PostgreSQL's contrib."""

    dependencies = [("accounts", "0001_initial")]

    operations = [TrigramExtension(), UnaccentExtension()]
