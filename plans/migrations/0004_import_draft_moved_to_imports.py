# ImportDraft now lives in the imports app (imports/0001 takes over its table).

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('plans', '0003_import_draft'),
        ('imports', '0001_initial'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.DeleteModel(name='ImportDraft')],
        ),
    ]
