"""Load the universes shipped in market/data/universes, so a fresh database always has them.

Runs the same service as ``manage.py load_universes`` against this migration's historical
models. Re-running (the command, after the files change) only applies the differences.
"""

from django.db import migrations


def load(apps, schema_editor):
    from market.services import load_universes

    load_universes(apps=apps)


class Migration(migrations.Migration):
    dependencies = [("market", "0002_default_orderings_by_column")]

    operations = [migrations.RunPython(load, reverse_code=migrations.RunPython.noop, elidable=True)]
