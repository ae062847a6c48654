"""Tables of the 三书一函: the document's own fields, objections and rectification reports.

New tables only: an item of a supervision kind has one ``SupervisionDoc``; each answering
assignment may have objections (异议, decided by the issuing body and recorded by the office)
and one rectification report (整改情况).
"""

from __future__ import annotations

import peewee as pw

from tracker.accounts.models import User
from tracker.assignments.models import Assignment
from tracker.core.db import BaseModel, UTCDateTimeField
from tracker.core.enums import ObjectionStatus
from tracker.items.models import Item


class SupervisionDoc(BaseModel):
    """The document's fields. Its number (文书编号) is the item's ``number``, its subject the
    item's ``title`` and its main content the item's ``content``."""

    item = pw.ForeignKeyField(Item, unique=True, backref="supervision_docs", on_delete="CASCADE")
    issuing_body = pw.CharField(max_length=200)  # 制发机关
    issue_date = pw.DateField()  # 制发日期
    case_name = pw.CharField(max_length=300, default="")  # 案件名称
    case_code = pw.CharField(max_length=100, default="")  # 案号 (not for 监察建议书)
    sectors = pw.TextField(default="")  # 涉及领域
    written_due = pw.DateField(null=True)  # the reply deadline written in the document
    created_at = UTCDateTimeField()
    updated_at = UTCDateTimeField()

    class Meta:
        table_name = "supervision_docs"


class Objection(BaseModel):
    """异议: the recipient unit disagrees with the document; the issuing body decides, the office
    records the decision (upheld: the item is withdrawn; dismissed: handling continues)."""

    assignment = pw.ForeignKeyField(Assignment, backref="objections", on_delete="CASCADE", index=False)  # a composite index starts with it (006)
    reason = pw.TextField()
    status = pw.CharField(max_length=10, default=ObjectionStatus.PENDING.value)
    version = pw.IntegerField(default=1)
    raised_at = UTCDateTimeField()
    raised_by = pw.ForeignKeyField(User, backref="+", on_delete="RESTRICT")
    issuer_decision = pw.TextField(default="")  # what the issuing body decided, as recorded
    decided_at = UTCDateTimeField(null=True)
    decided_by = pw.ForeignKeyField(User, null=True, backref="+", on_delete="SET NULL")

    class Meta:
        table_name = "objections"
        indexes = ((("assignment", "status"), False),)
        constraints = [
            pw.SQL("CHECK (status IN ('pending', 'upheld', 'dismissed'))"),
            pw.SQL("CHECK (status = 'pending' OR decided_at IS NOT NULL)"),
        ]


class Rectification(BaseModel):
    """整改情况: the measures taken, and whether sector-wide governance (系统治理/行业治理) was
    done and a long-term mechanism (长效机制) set up. One per assignment, updated in place."""

    assignment = pw.ForeignKeyField(Assignment, unique=True, backref="rectifications", on_delete="CASCADE")
    measures = pw.TextField()
    sector_governance = pw.BooleanField(default=False)
    sector_governance_note = pw.TextField(default="")
    long_term_mechanism = pw.BooleanField(default=False)
    long_term_mechanism_note = pw.TextField(default="")
    version = pw.IntegerField(default=1)
    created_at = UTCDateTimeField()
    updated_at = UTCDateTimeField()
    updated_by = pw.ForeignKeyField(User, null=True, backref="+", on_delete="SET NULL")

    class Meta:
        table_name = "rectifications"
