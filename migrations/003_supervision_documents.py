"""Peewee migrations -- 003_supervision_documents.py.

三书一函 (DOMAIN.md §14): the document's own fields, the recipient units' objections (异议) and
their rectification reports (整改情况). New tables only; nothing else changes. Written by hand
in the frozen style of 001_initial.py (the models here are frozen copies, never the app's).
"""

from contextlib import suppress

import peewee as pw
from peewee_migrate import Migrator


with suppress(ImportError):
    import playhouse.postgres_ext as pw_pext


UTC_FORMATS = ['%Y-%m-%d %H:%M:%S.%f', '%Y-%m-%d %H:%M:%S']


def migrate(migrator: Migrator, database: pw.Database, *, fake=False):
    """Create supervision_docs, objections and rectifications."""

    @migrator.create_model
    class SupervisionDoc(pw.Model):
        id = pw.AutoField()
        item = pw.ForeignKeyField(column_name='item_id', field='id', model=migrator.orm['items'], on_delete='CASCADE', unique=True)
        issuing_body = pw.CharField(max_length=200)
        issue_date = pw.DateField()
        case_name = pw.CharField(default='', max_length=300)
        case_code = pw.CharField(default='', max_length=100)
        sectors = pw.TextField(default='')
        written_due = pw.DateField(null=True)
        created_at = pw.DateTimeField(formats=UTC_FORMATS)
        updated_at = pw.DateTimeField(formats=UTC_FORMATS)

        class Meta:
            table_name = "supervision_docs"

    @migrator.create_model
    class Objection(pw.Model):
        id = pw.AutoField()
        assignment = pw.ForeignKeyField(column_name='assignment_id', field='id', model=migrator.orm['assignments'], on_delete='CASCADE')
        reason = pw.TextField()
        status = pw.CharField(default='pending', max_length=10)
        version = pw.IntegerField(default=1)
        raised_at = pw.DateTimeField(formats=UTC_FORMATS)
        raised_by = pw.ForeignKeyField(column_name='raised_by_id', field='id', model=migrator.orm['users'], on_delete='RESTRICT')
        issuer_decision = pw.TextField(default='')
        decided_at = pw.DateTimeField(formats=UTC_FORMATS, null=True)
        decided_by = pw.ForeignKeyField(column_name='decided_by_id', field='id', model=migrator.orm['users'], null=True, on_delete='SET NULL')

        class Meta:
            table_name = "objections"
            indexes = [(('assignment', 'status'), False)]
            constraints = [
                pw.SQL("CHECK (status IN ('pending', 'upheld', 'dismissed'))"),
                pw.SQL("CHECK (status = 'pending' OR decided_at IS NOT NULL)"),
            ]

    @migrator.create_model
    class Rectification(pw.Model):
        id = pw.AutoField()
        assignment = pw.ForeignKeyField(column_name='assignment_id', field='id', model=migrator.orm['assignments'], on_delete='CASCADE', unique=True)
        measures = pw.TextField()
        sector_governance = pw.BooleanField(default=False)
        sector_governance_note = pw.TextField(default='')
        long_term_mechanism = pw.BooleanField(default=False)
        long_term_mechanism_note = pw.TextField(default='')
        version = pw.IntegerField(default=1)
        created_at = pw.DateTimeField(formats=UTC_FORMATS)
        updated_at = pw.DateTimeField(formats=UTC_FORMATS)
        updated_by = pw.ForeignKeyField(column_name='updated_by_id', field='id', model=migrator.orm['users'], null=True, on_delete='SET NULL')

        class Meta:
            table_name = "rectifications"


def rollback(migrator: Migrator, database: pw.Database, *, fake=False):
    """Drop the three tables (nothing else refers to them)."""

    migrator.remove_model('rectifications')

    migrator.remove_model('objections')

    migrator.remove_model('supervision_docs')
