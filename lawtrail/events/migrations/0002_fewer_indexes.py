"""Drop the indexes no read uses (time, action, actor): each is written in every action's commit.

Plain DROP INDEX on both databases (Django's AlterField would rebuild the whole table on SQLite).
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

INDEXES = {
    "events_domainevent_occurred_at_5ac44f97": "occurred_at",
    "events_domainevent_action_e3598c8c": "action",
    "events_domainevent_actor_id_b7cc0703": "actor_id",
}


class Migration(migrations.Migration):

    dependencies = [
        ("events", "0001_initial"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[
                migrations.RunSQL(f'DROP INDEX IF EXISTS "{name}"', f'CREATE INDEX "{name}" ON "events_domainevent" ("{column}")')
                for name, column in INDEXES.items()
            ] + [
                # PostgreSQL's second index for LIKE on a varchar column (absent on SQLite).
                migrations.RunSQL('DROP INDEX IF EXISTS "events_domainevent_action_e3598c8c_like"', migrations.RunSQL.noop),
            ],
            state_operations=[
                migrations.AlterField(model_name="domainevent", name="action", field=models.CharField(max_length=64)),
                migrations.AlterField(
                    model_name="domainevent", name="actor",
                    field=models.ForeignKey(blank=True, db_index=False, null=True,
                                            on_delete=django.db.models.deletion.PROTECT, to=settings.AUTH_USER_MODEL),
                ),
                migrations.AlterField(model_name="domainevent", name="occurred_at", field=models.DateTimeField()),
            ],
        ),
    ]
