# ImportDraft moved from plans to imports: the table is taken over as it is (state only), then
# renamed to this app's name.

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ('plans', '0003_import_draft'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name='ImportDraft',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('created_at', models.DateTimeField(auto_now_add=True, verbose_name='thời điểm')),
                        ('new_plan', models.JSONField(blank=True, default=dict, verbose_name='kế hoạch mới')),
                        ('source_name', models.CharField(blank=True, max_length=255, verbose_name='tệp nguồn')),
                        ('headers', models.JSONField(default=dict)),
                        ('rows', models.JSONField(default=list)),
                        ('problems', models.JSONField(default=list)),
                        ('created_by', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, to=settings.AUTH_USER_MODEL, verbose_name='người nhập')),
                        ('plan', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.CASCADE, to='plans.plan', verbose_name='kế hoạch')),
                    ],
                    options={
                        'verbose_name': 'bản nhập chờ xác nhận',
                        'verbose_name_plural': 'bản nhập chờ xác nhận',
                        'ordering': ['-created_at'],
                        'db_table': 'plans_importdraft',
                    },
                ),
            ],
        ),
        migrations.AlterModelTable(name='importdraft', table=None),
    ]
