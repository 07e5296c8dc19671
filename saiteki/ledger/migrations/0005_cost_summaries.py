"""Summary tables of the cost matrix and the system list, the triggers that keep them in step with the
rows, and their first fill from the rows already there (docs/adr/0007-national-scale-reads.md)."""

import django.db.models.deletion
from django.db import migrations, models


def install_and_fill(apps, schema_editor):
    from saiteki.ledger import summaries

    summaries.install(schema_editor.connection)
    summaries.rebuild(schema_editor.connection)


def uninstall(apps, schema_editor):
    from saiteki.ledger import summaries

    summaries.uninstall(schema_editor.connection)


class Migration(migrations.Migration):

    dependencies = [
        ('accounts', '0002_directory_login'),
        ('ledger', '0004_survey_return_and_reminder'),
    ]

    operations = [
        migrations.CreateModel(
            name='CostSummary',
            fields=[
                ('pk', models.CompositePrimaryKey('division', 'hosting_form', 'fiscal_year', 'stage', 'category', blank=True, editable=False, primary_key=True, serialize=False)),
                ('hosting_form', models.CharField(max_length=20)),
                ('fiscal_year', models.PositiveIntegerField()),
                ('stage', models.CharField(max_length=10)),
                ('category', models.CharField(max_length=20)),
                ('amount', models.BigIntegerField(default=0)),
                ('cost_rows', models.IntegerField(default=0)),
                ('division', models.ForeignKey(db_constraint=False, db_index=False, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='accounts.organization')),
            ],
            options={
                'indexes': [models.Index(fields=['stage', 'fiscal_year'], name='cost_summary_stage_fy'), models.Index(condition=models.Q(('cost_rows__lte', 0)), fields=['cost_rows'], name='cost_summary_empty')],
            },
        ),
        migrations.CreateModel(
            name='SystemCostTotal',
            fields=[
                ('pk', models.CompositePrimaryKey('system', 'fiscal_year', 'stage', blank=True, editable=False, primary_key=True, serialize=False)),
                ('fiscal_year', models.PositiveIntegerField()),
                ('stage', models.CharField(max_length=10)),
                ('hosting_form', models.CharField(max_length=20)),
                ('status', models.CharField(max_length=20)),
                ('amount', models.BigIntegerField(default=0)),
                ('cost_rows', models.IntegerField(default=0)),
                ('division', models.ForeignKey(db_constraint=False, db_index=False, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='accounts.organization')),
                ('system', models.ForeignKey(db_constraint=False, db_index=False, on_delete=django.db.models.deletion.DO_NOTHING, related_name='cost_totals', to='ledger.system')),
            ],
            options={
                'indexes': [models.Index(fields=['fiscal_year', 'stage', 'amount', 'system'], name='system_cost_total_sort'), models.Index(fields=['fiscal_year', 'stage', 'system'], include=('amount',), name='system_cost_total_probe'), models.Index(fields=['fiscal_year', 'stage', 'division', 'amount'], include=('hosting_form', 'status', 'system'), name='system_cost_total_division'), models.Index(condition=models.Q(('cost_rows__lte', 0)), fields=['cost_rows'], name='system_cost_total_empty')],
            },
        ),
        migrations.CreateModel(
            name='SystemCount',
            fields=[
                ('pk', models.CompositePrimaryKey('division', 'hosting_form', 'status', blank=True, editable=False, primary_key=True, serialize=False)),
                ('hosting_form', models.CharField(max_length=20)),
                ('status', models.CharField(max_length=20)),
                ('systems', models.IntegerField(default=0)),
                ('division', models.ForeignKey(db_constraint=False, db_index=False, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='accounts.organization')),
            ],
            options={
                'indexes': [models.Index(condition=models.Q(('systems__lte', 0)), fields=['systems'], name='system_count_empty')],
            },
        ),
        migrations.RunPython(install_and_fill, uninstall),
    ]
