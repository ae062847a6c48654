"""Every model, in dependency order."""

from tracker.accounts.models import ApiToken, Person, User
from tracker.assessment.models import Criterion, Scorecard
from tracker.assessment.records import Adjustment, ManualScore
from tracker.assignments.models import Assignment, ExtensionRequest, ReturnRequest
from tracker.audit.models import AuditEntry
from tracker.handling.models import Contact, CoOpinion, ProgressNote
from tracker.items.models import Instruction, Item, Session, Submitter
from tracker.ledger.models import DispatchReport
from tracker.reminders.models import Notification, Reminder, ReminderRule, SchedulerLease, Slip
from tracker.replies.models import Attachment, Commitment, Feedback, Reply, ReplyCosign
from tracker.rules.models import CalendarDay, ChecklistEntry, RuleProfile, Setting
from tracker.supervision.models import Objection, Rectification, SupervisionDoc
from tracker.units.models import Unit

MODELS = [
    Unit,
    Person,
    User,
    ApiToken,
    RuleProfile,
    CalendarDay,
    Setting,
    ChecklistEntry,
    Scorecard,
    Criterion,
    Session,
    Item,
    Submitter,
    Instruction,
    Assignment,
    ReturnRequest,
    ExtensionRequest,
    ProgressNote,
    Contact,
    CoOpinion,
    Reply,
    ReplyCosign,
    Commitment,
    Feedback,
    Attachment,
    AuditEntry,
    ReminderRule,
    Reminder,
    Notification,
    Slip,
    SchedulerLease,
    ManualScore,
    Adjustment,
    DispatchReport,
    SupervisionDoc,
    Objection,
    Rectification,
]
