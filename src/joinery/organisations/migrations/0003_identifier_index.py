"""An index on UPPER(identifier): the directory's exact identifier match stays an index lookup."""

from django.db import migrations
from django.db.models.functions import Upper
from django.db.models import Index


class Migration(migrations.Migration):
    dependencies = [("organisations", "0002_search_index")]
    operations = [
        migrations.AddIndex(
            model_name="organisation",
            index=Index(Upper("identifier"), name="org_identifier_upper"),
        ),
    ]
