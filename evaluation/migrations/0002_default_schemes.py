from django.db import migrations


def create(apps, schema_editor):
    Scheme = apps.get_model("evaluation", "Scheme")
    # The decree's values are the model's defaults; the criteria scheme is for viên chức.
    Scheme.objects.get_or_create(
        name="Nghị định 335/2025/NĐ-CP (công chức)", defaults={"is_default": True}
    )
    Scheme.objects.get_or_create(
        name="Nghị định 90/2020/NĐ-CP (viên chức)", defaults={"kind": "criteria"}
    )


class Migration(migrations.Migration):
    dependencies = [("evaluation", "0001_evaluation_schemes_and_sheets")]
    operations = [migrations.RunPython(create, migrations.RunPython.noop)]
