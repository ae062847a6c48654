"""Peewee migrations -- 001_initial.py.

Some examples (model - class or model name)::

    > Model = migrator.orm['table_name']            # Return model in current state by name
    > Model = migrator.ModelClass                   # Return model in current state by name

    > migrator.sql(sql)                             # Run custom SQL
    > migrator.run(func, *args, **kwargs)           # Run python function with the given args
    > migrator.create_model(Model)                  # Create a model (could be used as decorator)
    > migrator.remove_model(model, cascade=True)    # Remove a model
    > migrator.add_fields(model, **fields)          # Add fields (allow_not_null=True skips default)
    > migrator.change_fields(model, **fields)       # Change fields
    > migrator.remove_fields(model, *field_names, cascade=True)
    > migrator.rename_field(model, old_field_name, new_field_name)
    > migrator.rename_table(model, new_table_name)
    > migrator.add_index(model, *col_names, unique=False)
    > migrator.add_not_null(model, *field_names)
    > migrator.add_default(model, field_name, default)
    > migrator.add_constraint(model, name, sql)
    > migrator.drop_index(model, *col_names)
    > migrator.drop_not_null(model, *field_names)
    > migrator.drop_constraints(model, *constraints)

"""

from contextlib import suppress

import peewee as pw
from peewee_migrate import Migrator


with suppress(ImportError):
    import playhouse.postgres_ext as pw_pext


def migrate(migrator: Migrator, database: pw.Database, *, fake=False):
    """Write your migrations here."""
    
    @migrator.create_model
    class Unit(pw.Model):
        id = pw.AutoField()
        name = pw.CharField(max_length=200, unique=True)
        short_name = pw.CharField(default='', max_length=50)
        category = pw.CharField(default='department', max_length=20)
        active = pw.BooleanField(default=True)
        sort_order = pw.IntegerField(default=0)

        class Meta:
            table_name = "units"

    @migrator.create_model
    class RuleProfile(pw.Model):
        id = pw.AutoField()
        name = pw.CharField(max_length=100, unique=True)
        is_default = pw.BooleanField(default=False)
        clocks = pw.TextField()
        roll_forward = pw.BooleanField(default=True)
        review_department_replies = pw.BooleanField(default=False)
        checklist_blocks_closeout = pw.BooleanField(default=False)
        clocks_run_during_return = pw.BooleanField(default=True)
        updated_at = pw.DateTimeField(formats=['%Y-%m-%d %H:%M:%S.%f', '%Y-%m-%d %H:%M:%S'], null=True)

        class Meta:
            table_name = "rule_profiles"

    @migrator.create_model
    class Session(pw.Model):
        id = pw.AutoField()
        body = pw.CharField(max_length=10)
        name = pw.CharField(max_length=200)
        year = pw.IntegerField()
        opened_on = pw.DateField(null=True)
        closed_on = pw.DateField(null=True)
        reply_due_absolute = pw.DateField(null=True)
        profile = pw.ForeignKeyField(column_name='profile_id', field='id', model=migrator.orm['rule_profiles'], null=True, on_delete='SET NULL')
        created_at = pw.DateTimeField(formats=['%Y-%m-%d %H:%M:%S.%f', '%Y-%m-%d %H:%M:%S'])

        class Meta:
            table_name = "sessions"
            indexes = [(('body', 'name'), True)]

    @migrator.create_model
    class Person(pw.Model):
        id = pw.AutoField()
        name = pw.CharField(index=True, max_length=100)
        body = pw.CharField(default='npc', max_length=10)
        delegation = pw.CharField(default='', max_length=200)
        phone = pw.CharField(default='', max_length=50)
        email = pw.CharField(default='', max_length=200)

        class Meta:
            table_name = "persons"

    @migrator.create_model
    class User(pw.Model):
        id = pw.AutoField()
        username = pw.CharField(max_length=80, unique=True)
        password_hash = pw.CharField(max_length=255)
        name = pw.CharField(max_length=100)
        role = pw.CharField(index=True, max_length=20)
        unit = pw.ForeignKeyField(column_name='unit_id', field='id', model=migrator.orm['units'], null=True, on_delete='RESTRICT')
        person = pw.ForeignKeyField(column_name='person_id', field='id', model=migrator.orm['persons'], null=True, on_delete='SET NULL')
        phone = pw.CharField(default='', max_length=50)
        email = pw.CharField(default='', max_length=200)
        title = pw.CharField(default='', max_length=100)
        active = pw.BooleanField(default=True)
        locale = pw.CharField(default='zh', max_length=10)
        session_nonce = pw.CharField(max_length=32)
        failed_logins = pw.IntegerField(default=0)
        locked_until = pw.DateTimeField(formats=['%Y-%m-%d %H:%M:%S.%f', '%Y-%m-%d %H:%M:%S'], null=True)
        created_at = pw.DateTimeField(formats=['%Y-%m-%d %H:%M:%S.%f', '%Y-%m-%d %H:%M:%S'])
        last_login_at = pw.DateTimeField(formats=['%Y-%m-%d %H:%M:%S.%f', '%Y-%m-%d %H:%M:%S'], null=True)

        class Meta:
            table_name = "users"

    @migrator.create_model
    class Adjustment(pw.Model):
        id = pw.AutoField()
        unit = pw.ForeignKeyField(column_name='unit_id', field='id', model=migrator.orm['units'], on_delete='CASCADE')
        session = pw.ForeignKeyField(column_name='session_id', field='id', model=migrator.orm['sessions'], on_delete='CASCADE')
        kind = pw.CharField(max_length=20)
        points = pw.FloatField()
        reason = pw.TextField()
        by = pw.ForeignKeyField(column_name='by_id', field='id', model=migrator.orm['users'], on_delete='RESTRICT')
        at = pw.DateTimeField(formats=['%Y-%m-%d %H:%M:%S.%f', '%Y-%m-%d %H:%M:%S'])

        class Meta:
            table_name = "assessment_adjustments"
            indexes = [(('session', 'unit'), False)]

    @migrator.create_model
    class ApiToken(pw.Model):
        id = pw.AutoField()
        user = pw.ForeignKeyField(column_name='user_id', field='id', model=migrator.orm['users'], on_delete='CASCADE')
        token_hash = pw.CharField(max_length=64, unique=True)
        created_at = pw.DateTimeField(formats=['%Y-%m-%d %H:%M:%S.%f', '%Y-%m-%d %H:%M:%S'])
        expires_at = pw.DateTimeField(formats=['%Y-%m-%d %H:%M:%S.%f', '%Y-%m-%d %H:%M:%S'])
        revoked_at = pw.DateTimeField(formats=['%Y-%m-%d %H:%M:%S.%f', '%Y-%m-%d %H:%M:%S'], null=True)
        last_used_at = pw.DateTimeField(formats=['%Y-%m-%d %H:%M:%S.%f', '%Y-%m-%d %H:%M:%S'], null=True)

        class Meta:
            table_name = "api_tokens"

    @migrator.create_model
    class Item(pw.Model):
        id = pw.AutoField()
        kind = pw.CharField(max_length=30)
        session = pw.ForeignKeyField(column_name='session_id', field='id', model=migrator.orm['sessions'], on_delete='RESTRICT')
        number = pw.CharField(max_length=30)
        title = pw.CharField(max_length=300)
        content = pw.TextField(default='')
        category = pw.CharField(default='', max_length=50)
        tier = pw.CharField(default='department', max_length=30)
        is_key = pw.BooleanField(default=False)
        from_motion = pw.BooleanField(default=False)
        handling_mode = pw.CharField(default='', max_length=20)
        status = pw.CharField(default='registered', index=True, max_length=20)
        version = pw.IntegerField(default=1)
        leader = pw.ForeignKeyField(column_name='leader_id', field='id', model=migrator.orm['users'], null=True, on_delete='SET NULL')
        merged_into = pw.ForeignKeyField(column_name='merged_into_id', field='id', model='self', null=True, on_delete='SET NULL')
        received_on = pw.DateField(null=True)
        registered_at = pw.DateTimeField(formats=['%Y-%m-%d %H:%M:%S.%f', '%Y-%m-%d %H:%M:%S'])
        registered_by = pw.ForeignKeyField(column_name='registered_by_id', field='id', model=migrator.orm['users'], null=True, on_delete='SET NULL')
        updated_at = pw.DateTimeField(formats=['%Y-%m-%d %H:%M:%S.%f', '%Y-%m-%d %H:%M:%S'], index=True)
        closed_at = pw.DateTimeField(formats=['%Y-%m-%d %H:%M:%S.%f', '%Y-%m-%d %H:%M:%S'], null=True)
        close_note = pw.TextField(default='')
        archived_at = pw.DateTimeField(formats=['%Y-%m-%d %H:%M:%S.%f', '%Y-%m-%d %H:%M:%S'], null=True)
        note = pw.TextField(default='')

        class Meta:
            table_name = "items"
            indexes = [(('session', 'kind', 'number'), True), (('session', 'status'), False)]

    @migrator.create_model
    class Scorecard(pw.Model):
        id = pw.AutoField()
        name = pw.CharField(max_length=100, unique=True)
        applies_to = pw.CharField(default='lead', max_length=10)
        is_default = pw.BooleanField(default=False)
        active = pw.BooleanField(default=True)
        description = pw.TextField(default='')

        class Meta:
            table_name = "scorecards"

    @migrator.create_model
    class Assignment(pw.Model):
        id = pw.AutoField()
        item = pw.ForeignKeyField(column_name='item_id', field='id', model=migrator.orm['items'], on_delete='CASCADE')
        unit = pw.ForeignKeyField(column_name='unit_id', field='id', model=migrator.orm['units'], on_delete='RESTRICT')
        role = pw.CharField(max_length=10)
        status = pw.CharField(default='pending_receipt', max_length=20)
        version = pw.IntegerField(default=1)
        round = pw.IntegerField(default=1)
        task = pw.TextField(default='')
        responsible_leader = pw.CharField(default='', max_length=100)
        handler = pw.ForeignKeyField(column_name='handler_id', field='id', model=migrator.orm['users'], null=True, on_delete='SET NULL')
        handler_phone = pw.CharField(default='', max_length=50)
        scorecard = pw.ForeignKeyField(column_name='scorecard_id', field='id', model=migrator.orm['scorecards'], null=True, on_delete='SET NULL')
        assigned_on = pw.DateField()
        receipt_due = pw.DateField()
        return_due = pw.DateField()
        first_contact_due = pw.DateField()
        co_opinion_due = pw.DateField(null=True)
        reply_due = pw.DateField()
        reply_due_set_by_office = pw.BooleanField(default=False)
        reply_due_max = pw.DateField()
        extended_due = pw.DateField(null=True)
        rehandle_due = pw.DateField(null=True)
        current_due = pw.DateField(index=True)
        assigned_by = pw.ForeignKeyField(column_name='assigned_by_id', field='id', model=migrator.orm['users'], null=True, on_delete='SET NULL')
        received_at = pw.DateTimeField(formats=['%Y-%m-%d %H:%M:%S.%f', '%Y-%m-%d %H:%M:%S'], null=True)
        received_by = pw.ForeignKeyField(column_name='received_by_id', field='id', model=migrator.orm['users'], null=True, on_delete='SET NULL')
        first_contact_on = pw.DateField(null=True)
        opinion_submitted_on = pw.DateField(null=True)
        replied_on = pw.DateField(null=True)
        reassigned_from = pw.ForeignKeyField(column_name='reassigned_from_id', field='id', model='self', null=True, on_delete='SET NULL')
        created_at = pw.DateTimeField(formats=['%Y-%m-%d %H:%M:%S.%f', '%Y-%m-%d %H:%M:%S'])
        updated_at = pw.DateTimeField(formats=['%Y-%m-%d %H:%M:%S.%f', '%Y-%m-%d %H:%M:%S'])

        class Meta:
            table_name = "assignments"
            indexes = [(('unit', 'status'), False), (('status', 'current_due'), False), (('item', 'unit', 'round'), False), (('status', 'co_opinion_due'), False)]

    @migrator.create_model
    class Reply(pw.Model):
        id = pw.AutoField()
        assignment = pw.ForeignKeyField(column_name='assignment_id', field='id', model=migrator.orm['assignments'], on_delete='CASCADE')
        round = pw.IntegerField(default=1)
        status = pw.CharField(default='draft', max_length=30)
        version = pw.IntegerField(default=1)
        cycle = pw.IntegerField(default=0)
        result_class = pw.CharField(max_length=1)
        text = pw.TextField()
        contact_name = pw.CharField(default='', max_length=100)
        contact_phone = pw.CharField(default='', max_length=50)
        publish = pw.CharField(default='full', max_length=10)
        doc_number = pw.CharField(default='', max_length=100)
        created_by = pw.ForeignKeyField(column_name='created_by_id', field='id', model=migrator.orm['users'], on_delete='RESTRICT')
        created_at = pw.DateTimeField(formats=['%Y-%m-%d %H:%M:%S.%f', '%Y-%m-%d %H:%M:%S'])
        updated_at = pw.DateTimeField(formats=['%Y-%m-%d %H:%M:%S.%f', '%Y-%m-%d %H:%M:%S'])
        signed_off_by = pw.ForeignKeyField(column_name='signed_off_by_id', field='id', model=migrator.orm['users'], null=True, on_delete='SET NULL')
        signed_off_at = pw.DateTimeField(formats=['%Y-%m-%d %H:%M:%S.%f', '%Y-%m-%d %H:%M:%S'], null=True)
        reviewed_by = pw.ForeignKeyField(column_name='reviewed_by_id', field='id', model=migrator.orm['users'], null=True, on_delete='SET NULL')
        reviewed_at = pw.DateTimeField(formats=['%Y-%m-%d %H:%M:%S.%f', '%Y-%m-%d %H:%M:%S'], null=True)
        return_reason = pw.TextField(default='')
        sent_at = pw.DateTimeField(formats=['%Y-%m-%d %H:%M:%S.%f', '%Y-%m-%d %H:%M:%S'], null=True)
        sent_on = pw.DateField(null=True)
        published_on = pw.DateField(null=True)
        planned_commitments = pw.TextField(null=True)

        class Meta:
            table_name = "replies"
            indexes = [(('assignment', 'round'), True)]

    @migrator.create_model
    class Attachment(pw.Model):
        id = pw.AutoField()
        reply = pw.ForeignKeyField(column_name='reply_id', field='id', model=migrator.orm['replies'], null=True, on_delete='CASCADE')
        item = pw.ForeignKeyField(column_name='item_id', field='id', model=migrator.orm['items'], on_delete='CASCADE')
        filename = pw.CharField(max_length=255)
        stored_name = pw.CharField(max_length=64, unique=True)
        content_type = pw.CharField(max_length=100)
        size = pw.IntegerField()
        sha256 = pw.CharField(max_length=64)
        uploaded_by = pw.ForeignKeyField(column_name='uploaded_by_id', field='id', model=migrator.orm['users'], on_delete='RESTRICT')
        uploaded_at = pw.DateTimeField(formats=['%Y-%m-%d %H:%M:%S.%f', '%Y-%m-%d %H:%M:%S'])

        class Meta:
            table_name = "attachments"

    @migrator.create_model
    class AuditEntry(pw.Model):
        id = pw.AutoField()
        at = pw.DateTimeField(formats=['%Y-%m-%d %H:%M:%S.%f', '%Y-%m-%d %H:%M:%S'], index=True)
        actor_id = pw.IntegerField(null=True)
        actor_name = pw.CharField(default='系统', max_length=100)
        action = pw.CharField(index=True, max_length=40)
        object_type = pw.CharField(max_length=30)
        object_id = pw.IntegerField(null=True)
        item_id = pw.IntegerField(null=True)
        unit_id = pw.IntegerField(null=True)
        before = pw.TextField(null=True)
        after = pw.TextField(null=True)
        detail = pw.TextField(default='')

        class Meta:
            table_name = "audit_entries"
            indexes = [(('item_id', 'at'), False), (('object_type', 'object_id'), False)]

    @migrator.create_model
    class CalendarDay(pw.Model):
        id = pw.AutoField()
        day = pw.DateField(unique=True)
        is_workday = pw.BooleanField()
        name = pw.CharField(default='', max_length=50)
        source = pw.CharField(default='package', max_length=10)
        reason = pw.CharField(default='', max_length=200)
        updated_by = pw.IntegerField(null=True)
        updated_at = pw.DateTimeField(formats=['%Y-%m-%d %H:%M:%S.%f', '%Y-%m-%d %H:%M:%S'], null=True)

        class Meta:
            table_name = "calendar_days"

    @migrator.create_model
    class ChecklistEntry(pw.Model):
        id = pw.AutoField()
        tier = pw.CharField(index=True, max_length=30)
        requirement = pw.CharField(max_length=40)
        label = pw.CharField(max_length=100)
        position = pw.IntegerField(default=0)
        active = pw.BooleanField(default=True)

        class Meta:
            table_name = "checklist_entries"

    @migrator.create_model
    class Commitment(pw.Model):
        id = pw.AutoField()
        reply = pw.ForeignKeyField(column_name='reply_id', field='id', model=migrator.orm['replies'], on_delete='CASCADE')
        assignment = pw.ForeignKeyField(column_name='assignment_id', field='id', model=migrator.orm['assignments'], on_delete='CASCADE')
        text = pw.TextField()
        due_on = pw.DateField(index=True)
        status = pw.CharField(default='open', max_length=15)
        version = pw.IntegerField(default=1)
        fulfilled_on = pw.DateField(null=True)
        fulfilled_by = pw.ForeignKeyField(column_name='fulfilled_by_id', field='id', model=migrator.orm['users'], null=True, on_delete='SET NULL')
        evidence = pw.TextField(default='')
        carry_reason = pw.TextField(default='')

        class Meta:
            table_name = "commitments"
            indexes = [(('status', 'due_on'), False)]

    @migrator.create_model
    class Contact(pw.Model):
        id = pw.AutoField()
        assignment = pw.ForeignKeyField(column_name='assignment_id', field='id', model=migrator.orm['assignments'], on_delete='CASCADE')
        stage = pw.CharField(max_length=10)
        method = pw.CharField(max_length=10)
        contact_on = pw.DateField()
        participants = pw.CharField(default='', max_length=300)
        summary = pw.TextField(default='')
        author = pw.ForeignKeyField(column_name='author_id', field='id', model=migrator.orm['users'], on_delete='RESTRICT')
        created_at = pw.DateTimeField(formats=['%Y-%m-%d %H:%M:%S.%f', '%Y-%m-%d %H:%M:%S'])

        class Meta:
            table_name = "contacts"

    @migrator.create_model
    class CoOpinion(pw.Model):
        id = pw.AutoField()
        assignment = pw.ForeignKeyField(column_name='assignment_id', field='id', model=migrator.orm['assignments'], on_delete='CASCADE')
        text = pw.TextField()
        author = pw.ForeignKeyField(column_name='author_id', field='id', model=migrator.orm['users'], on_delete='RESTRICT')
        submitted_on = pw.DateField()
        created_at = pw.DateTimeField(formats=['%Y-%m-%d %H:%M:%S.%f', '%Y-%m-%d %H:%M:%S'])

        class Meta:
            table_name = "co_opinions"

    @migrator.create_model
    class Criterion(pw.Model):
        id = pw.AutoField()
        scorecard = pw.ForeignKeyField(column_name='scorecard_id', field='id', model=migrator.orm['scorecards'], on_delete='CASCADE')
        key = pw.CharField(max_length=40)
        label = pw.CharField(max_length=100)
        weight = pw.IntegerField()
        method = pw.CharField(default='auto', max_length=10)
        position = pw.IntegerField(default=0)

        class Meta:
            table_name = "criteria"
            indexes = [(('scorecard', 'key'), True)]

    @migrator.create_model
    class DispatchReport(pw.Model):
        id = pw.AutoField()
        as_of = pw.DateField(index=True)
        scope = pw.CharField(default='all', max_length=30)
        session = pw.ForeignKeyField(column_name='session_id', field='id', model=migrator.orm['sessions'], null=True, on_delete='CASCADE')
        title = pw.CharField(max_length=200)
        data = pw.TextField()
        automatic = pw.BooleanField(default=False)
        created_at = pw.DateTimeField(formats=['%Y-%m-%d %H:%M:%S.%f', '%Y-%m-%d %H:%M:%S'])
        created_by = pw.ForeignKeyField(column_name='created_by_id', field='id', model=migrator.orm['users'], null=True, on_delete='SET NULL')
        updated_at = pw.DateTimeField(formats=['%Y-%m-%d %H:%M:%S.%f', '%Y-%m-%d %H:%M:%S'])
        updated_by = pw.ForeignKeyField(column_name='updated_by_id', field='id', model=migrator.orm['users'], null=True, on_delete='SET NULL')
        generations = pw.IntegerField(default=1)

        class Meta:
            table_name = "dispatch_reports"
            indexes = [(('as_of', 'scope'), True)]

    @migrator.create_model
    class ExtensionRequest(pw.Model):
        id = pw.AutoField()
        assignment = pw.ForeignKeyField(column_name='assignment_id', field='id', model=migrator.orm['assignments'], on_delete='CASCADE')
        old_due = pw.DateField()
        requested_due = pw.DateField()
        reason = pw.TextField()
        status = pw.CharField(default='pending', max_length=10)
        requested_at = pw.DateTimeField(formats=['%Y-%m-%d %H:%M:%S.%f', '%Y-%m-%d %H:%M:%S'])
        requested_by = pw.ForeignKeyField(column_name='requested_by_id', field='id', model=migrator.orm['users'], on_delete='RESTRICT')
        decided_at = pw.DateTimeField(formats=['%Y-%m-%d %H:%M:%S.%f', '%Y-%m-%d %H:%M:%S'], null=True)
        decided_by = pw.ForeignKeyField(column_name='decided_by_id', field='id', model=migrator.orm['users'], null=True, on_delete='SET NULL')
        decision_note = pw.TextField(default='')

        class Meta:
            table_name = "extension_requests"

    @migrator.create_model
    class Submitter(pw.Model):
        id = pw.AutoField()
        item = pw.ForeignKeyField(column_name='item_id', field='id', model=migrator.orm['items'], on_delete='CASCADE')
        name = pw.CharField(max_length=100)
        role = pw.CharField(default='lead', max_length=10)
        person = pw.ForeignKeyField(column_name='person_id', field='id', model=migrator.orm['persons'], null=True, on_delete='SET NULL')
        position = pw.IntegerField(default=0)

        class Meta:
            table_name = "submitters"
            indexes = [(('person', 'item'), False)]

    @migrator.create_model
    class Feedback(pw.Model):
        id = pw.AutoField()
        item = pw.ForeignKeyField(column_name='item_id', field='id', model=migrator.orm['items'], on_delete='CASCADE')
        submitter = pw.ForeignKeyField(column_name='submitter_id', field='id', model=migrator.orm['submitters'], on_delete='CASCADE')
        round = pw.IntegerField(default=1)
        work = pw.CharField(max_length=25)
        result = pw.CharField(max_length=25)
        adoption = pw.CharField(default='', max_length=20)
        contacted = pw.BooleanField(null=True)
        contact_method = pw.CharField(default='', max_length=10)
        comment = pw.TextField(default='')
        source = pw.CharField(max_length=20)
        entered_by = pw.ForeignKeyField(column_name='entered_by_id', field='id', model=migrator.orm['users'], null=True, on_delete='SET NULL')
        created_at = pw.DateTimeField(formats=['%Y-%m-%d %H:%M:%S.%f', '%Y-%m-%d %H:%M:%S'])
        resolution = pw.TextField(default='')

        class Meta:
            table_name = "feedback"
            indexes = [(('item', 'submitter', 'round'), True)]

    @migrator.create_model
    class Instruction(pw.Model):
        id = pw.AutoField()
        item = pw.ForeignKeyField(column_name='item_id', field='id', model=migrator.orm['items'], on_delete='CASCADE')
        author = pw.ForeignKeyField(column_name='author_id', field='id', model=migrator.orm['users'], on_delete='RESTRICT')
        text = pw.TextField()
        created_at = pw.DateTimeField(formats=['%Y-%m-%d %H:%M:%S.%f', '%Y-%m-%d %H:%M:%S'])

        class Meta:
            table_name = "instructions"

    @migrator.create_model
    class ManualScore(pw.Model):
        id = pw.AutoField()
        assignment = pw.ForeignKeyField(column_name='assignment_id', field='id', model=migrator.orm['assignments'], on_delete='CASCADE')
        criterion = pw.ForeignKeyField(column_name='criterion_id', field='id', model=migrator.orm['criteria'], on_delete='CASCADE')
        points = pw.FloatField()
        note = pw.TextField(default='')
        by = pw.ForeignKeyField(column_name='by_id', field='id', model=migrator.orm['users'], on_delete='RESTRICT')
        at = pw.DateTimeField(formats=['%Y-%m-%d %H:%M:%S.%f', '%Y-%m-%d %H:%M:%S'])

        class Meta:
            table_name = "manual_scores"
            indexes = [(('assignment', 'criterion'), True)]

    @migrator.create_model
    class Reminder(pw.Model):
        id = pw.AutoField()
        key = pw.CharField(max_length=120, unique=True)
        rule_key = pw.CharField(max_length=40)
        item = pw.ForeignKeyField(column_name='item_id', field='id', model=migrator.orm['items'], null=True, on_delete='CASCADE')
        assignment = pw.ForeignKeyField(column_name='assignment_id', field='id', model=migrator.orm['assignments'], null=True, on_delete='CASCADE')
        commitment = pw.ForeignKeyField(column_name='commitment_id', field='id', model=migrator.orm['commitments'], null=True, on_delete='CASCADE')
        due_on = pw.DateField()
        created_at = pw.DateTimeField(formats=['%Y-%m-%d %H:%M:%S.%f', '%Y-%m-%d %H:%M:%S'])

        class Meta:
            table_name = "reminders"
            indexes = [(('assignment', 'rule_key'), False), (('item', 'created_at'), False)]

    @migrator.create_model
    class Notification(pw.Model):
        id = pw.AutoField()
        user = pw.ForeignKeyField(column_name='user_id', field='id', model=migrator.orm['users'], on_delete='CASCADE')
        kind = pw.CharField(default='event', max_length=20)
        title = pw.CharField(max_length=200)
        body = pw.TextField(default='')
        item = pw.ForeignKeyField(column_name='item_id', field='id', model=migrator.orm['items'], null=True, on_delete='CASCADE')
        reminder = pw.ForeignKeyField(column_name='reminder_id', field='id', model=migrator.orm['reminders'], null=True, on_delete='CASCADE')
        created_at = pw.DateTimeField(formats=['%Y-%m-%d %H:%M:%S.%f', '%Y-%m-%d %H:%M:%S'])
        read_at = pw.DateTimeField(formats=['%Y-%m-%d %H:%M:%S.%f', '%Y-%m-%d %H:%M:%S'], null=True)
        email_status = pw.CharField(default='pending', max_length=10)
        email_attempts = pw.IntegerField(default=0)
        email_next_at = pw.DateTimeField(formats=['%Y-%m-%d %H:%M:%S.%f', '%Y-%m-%d %H:%M:%S'], null=True)
        email_error = pw.TextField(default='')
        emailed_at = pw.DateTimeField(formats=['%Y-%m-%d %H:%M:%S.%f', '%Y-%m-%d %H:%M:%S'], null=True)
        sms_status = pw.CharField(default='', max_length=10)

        class Meta:
            table_name = "notifications"
            indexes = [(('reminder', 'user'), True), (('user', 'read_at'), False), (('email_status', 'email_next_at'), False)]

    @migrator.create_model
    class Objection(pw.Model):
        id = pw.AutoField()
        assignment = pw.ForeignKeyField(column_name='assignment_id', field='id', model=migrator.orm['assignments'], on_delete='CASCADE')
        reason = pw.TextField()
        status = pw.CharField(default='pending', max_length=10)
        version = pw.IntegerField(default=1)
        raised_at = pw.DateTimeField(formats=['%Y-%m-%d %H:%M:%S.%f', '%Y-%m-%d %H:%M:%S'])
        raised_by = pw.ForeignKeyField(column_name='raised_by_id', field='id', model=migrator.orm['users'], on_delete='RESTRICT')
        issuer_decision = pw.TextField(default='')
        decided_at = pw.DateTimeField(formats=['%Y-%m-%d %H:%M:%S.%f', '%Y-%m-%d %H:%M:%S'], null=True)
        decided_by = pw.ForeignKeyField(column_name='decided_by_id', field='id', model=migrator.orm['users'], null=True, on_delete='SET NULL')

        class Meta:
            table_name = "objections"
            indexes = [(('assignment', 'status'), False)]

    @migrator.create_model
    class ProgressNote(pw.Model):
        id = pw.AutoField()
        assignment = pw.ForeignKeyField(column_name='assignment_id', field='id', model=migrator.orm['assignments'], on_delete='CASCADE')
        text = pw.TextField()
        author = pw.ForeignKeyField(column_name='author_id', field='id', model=migrator.orm['users'], on_delete='RESTRICT')
        created_at = pw.DateTimeField(formats=['%Y-%m-%d %H:%M:%S.%f', '%Y-%m-%d %H:%M:%S'])

        class Meta:
            table_name = "progress_notes"

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
        created_at = pw.DateTimeField(formats=['%Y-%m-%d %H:%M:%S.%f', '%Y-%m-%d %H:%M:%S'])
        updated_at = pw.DateTimeField(formats=['%Y-%m-%d %H:%M:%S.%f', '%Y-%m-%d %H:%M:%S'])
        updated_by = pw.ForeignKeyField(column_name='updated_by_id', field='id', model=migrator.orm['users'], null=True, on_delete='SET NULL')

        class Meta:
            table_name = "rectifications"

    @migrator.create_model
    class ReminderRule(pw.Model):
        id = pw.AutoField()
        key = pw.CharField(max_length=40, unique=True)
        label = pw.CharField(max_length=100)
        event = pw.CharField(max_length=40)
        offset = pw.IntegerField(default=0)
        offset_unit = pw.CharField(default='working_day', max_length=15)
        recipients = pw.TextField()
        slip = pw.CharField(default='', max_length=10)
        active = pw.BooleanField(default=True)
        condition = pw.CharField(default='', max_length=20)
        position = pw.IntegerField(default=0)
        updated_at = pw.DateTimeField(formats=['%Y-%m-%d %H:%M:%S.%f', '%Y-%m-%d %H:%M:%S'], null=True)

        class Meta:
            table_name = "reminder_rules"

    @migrator.create_model
    class ReplyCosign(pw.Model):
        id = pw.AutoField()
        reply = pw.ForeignKeyField(column_name='reply_id', field='id', model=migrator.orm['replies'], on_delete='CASCADE')
        assignment = pw.ForeignKeyField(column_name='assignment_id', field='id', model=migrator.orm['assignments'], on_delete='CASCADE')
        cycle = pw.IntegerField()
        decision = pw.CharField(max_length=10)
        reason = pw.TextField(default='')
        by = pw.ForeignKeyField(column_name='by_id', field='id', model=migrator.orm['users'], on_delete='RESTRICT')
        at = pw.DateTimeField(formats=['%Y-%m-%d %H:%M:%S.%f', '%Y-%m-%d %H:%M:%S'])

        class Meta:
            table_name = "reply_cosigns"
            indexes = [(('reply', 'assignment', 'cycle'), True)]

    @migrator.create_model
    class ReturnRequest(pw.Model):
        id = pw.AutoField()
        assignment = pw.ForeignKeyField(column_name='assignment_id', field='id', model=migrator.orm['assignments'], on_delete='CASCADE')
        reason = pw.TextField()
        status = pw.CharField(default='pending', max_length=10)
        late_override = pw.BooleanField(default=False)
        requested_at = pw.DateTimeField(formats=['%Y-%m-%d %H:%M:%S.%f', '%Y-%m-%d %H:%M:%S'])
        requested_by = pw.ForeignKeyField(column_name='requested_by_id', field='id', model=migrator.orm['users'], on_delete='RESTRICT')
        decision_due = pw.DateField(null=True)
        decided_at = pw.DateTimeField(formats=['%Y-%m-%d %H:%M:%S.%f', '%Y-%m-%d %H:%M:%S'], null=True)
        decided_by = pw.ForeignKeyField(column_name='decided_by_id', field='id', model=migrator.orm['users'], null=True, on_delete='SET NULL')
        decision_note = pw.TextField(default='')

        class Meta:
            table_name = "return_requests"

    @migrator.create_model
    class SchedulerLease(pw.Model):
        name = pw.CharField(max_length=50, primary_key=True)
        holder = pw.CharField(max_length=100)
        expires_at = pw.DateTimeField(formats=['%Y-%m-%d %H:%M:%S.%f', '%Y-%m-%d %H:%M:%S'])

        class Meta:
            table_name = "scheduler_leases"

    @migrator.create_model
    class Setting(pw.Model):
        key = pw.CharField(max_length=100, primary_key=True)
        value = pw.TextField(null=True)

        class Meta:
            table_name = "settings"

    @migrator.create_model
    class Slip(pw.Model):
        id = pw.AutoField()
        assignment = pw.ForeignKeyField(column_name='assignment_id', field='id', model=migrator.orm['assignments'], on_delete='CASCADE')
        color = pw.CharField(max_length=10)
        issued_on = pw.DateField()
        issued_at = pw.DateTimeField(formats=['%Y-%m-%d %H:%M:%S.%f', '%Y-%m-%d %H:%M:%S'])
        issued_by = pw.ForeignKeyField(column_name='issued_by_id', field='id', model=migrator.orm['users'], null=True, on_delete='SET NULL')
        reason = pw.TextField(default='')
        key = pw.CharField(max_length=120, null=True, unique=True)

        class Meta:
            table_name = "slips"
            indexes = [(('assignment', 'issued_at'), False), (('issued_on',), False)]

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
        created_at = pw.DateTimeField(formats=['%Y-%m-%d %H:%M:%S.%f', '%Y-%m-%d %H:%M:%S'])
        updated_at = pw.DateTimeField(formats=['%Y-%m-%d %H:%M:%S.%f', '%Y-%m-%d %H:%M:%S'])

        class Meta:
            table_name = "supervision_docs"


def rollback(migrator: Migrator, database: pw.Database, *, fake=False):
    """Write your rollback migrations here."""
    
    migrator.remove_model('supervision_docs')

    migrator.remove_model('slips')

    migrator.remove_model('settings')

    migrator.remove_model('scheduler_leases')

    migrator.remove_model('return_requests')

    migrator.remove_model('reply_cosigns')

    migrator.remove_model('reminder_rules')

    migrator.remove_model('rectifications')

    migrator.remove_model('progress_notes')

    migrator.remove_model('objections')

    migrator.remove_model('notifications')

    migrator.remove_model('reminders')

    migrator.remove_model('manual_scores')

    migrator.remove_model('instructions')

    migrator.remove_model('feedback')

    migrator.remove_model('submitters')

    migrator.remove_model('extension_requests')

    migrator.remove_model('dispatch_reports')

    migrator.remove_model('criteria')

    migrator.remove_model('co_opinions')

    migrator.remove_model('contacts')

    migrator.remove_model('commitments')

    migrator.remove_model('checklist_entries')

    migrator.remove_model('calendar_days')

    migrator.remove_model('audit_entries')

    migrator.remove_model('attachments')

    migrator.remove_model('replies')

    migrator.remove_model('assignments')

    migrator.remove_model('scorecards')

    migrator.remove_model('items')

    migrator.remove_model('api_tokens')

    migrator.remove_model('assessment_adjustments')

    migrator.remove_model('users')

    migrator.remove_model('persons')

    migrator.remove_model('sessions')

    migrator.remove_model('rule_profiles')

    migrator.remove_model('units')
