"""The words for the audit log's entries: what each action the services write, and each kind of
object, is called (Chinese, marked for the English catalog and translated where shown). The
audit log page and its filters show them; an item's timeline has shorter words of its own for
the events of handling (:func:`event_label`) and the audit log's for the rest."""

from __future__ import annotations

from flask_babel import gettext
from flask_babel import lazy_pgettext as _lp

from tracker.core.i18n import N_

# a test checks that every ``audit.record`` action and every model has one
ACTION_LABELS = {
    "registered": N_("登记"), "edited": N_("修改"), "assigned": N_("交办"), "received": N_("签收"),
    "return_requested": N_("申请退回"), "return_decided": N_("申退审核"), "progress": N_("办理进展"),
    "contact": N_("沟通联系"), "co_opinion": N_("会办意见"), "extension_requested": N_("申请延期"),
    "extension_decided": N_("延期审核"), "extension_lapsed": N_("延期申请失效"), "reply_drafted": N_("起草答复"), "reply_edited": N_("修改答复"),
    "reply_submitted": N_("提交签发"), "reply_signed_off": N_("领导签发"), "reply_cosigned": N_("会签"),
    "reply_returned": N_("答复退回"), "reply_reviewed": N_("督查室审核"), "reply_sent": N_("发送答复"),
    "reply_published": N_("公开答复"), "attachment_added": N_("上传附件"), "attachment_removed": N_("删除附件"),
    "feedback": N_("征询意见"), "feedback_resolved": N_("处理不满意意见"), "rehandle_ordered": N_("重新办理"),
    "commitment_fulfilled": N_("承诺兑现"), "commitment_carried_over": N_("承诺结转"),
    "instruction": N_("领导批示"), "reminder_sent": N_("发送提醒"), "slip_issued": N_("督办单"),
    "merged": N_("并案"), "unmerged": N_("取消并案"), "closed": N_("销号"), "reconciled": N_("对账销号"),
    "archived": N_("归档"), "withdrawn": N_("撤回"), "assignment_edited": N_("调整交办"),
    "deadline_recomputed": N_("期限重算"), "session_created": N_("新建会次"), "items_imported": N_("批量导入"),
    "imported": N_("导入"), "document_registered": N_("登记三书一函"), "document_edited": N_("修改三书一函"),
    "objection_raised": N_("提出异议"), "objection_decided": N_("异议处理"),
    "rectification_recorded": N_("登记整改情况"), "rectification_updated": N_("更新整改情况"),
    "assessment_scored": N_("考核评分"), "assessment_adjusted": N_("考核加减分"),
    "scorecard_changed": N_("修改考核办法"), "dispatch_report": N_("调度通报"),
    "user_created": N_("新建用户"), "user_updated": N_("修改用户"), "login_locked": N_("登录锁定"),
    "unit_created": N_("新建承办单位"), "unit_updated": N_("修改承办单位"), "person_created": N_("新增代表委员"),
    "person_updated": N_("修改代表委员"), "profile_changed": N_("修改规则配置"),
    "calendar_changed": N_("调整工作日历"), "setting_changed": N_("修改系统设置"),
    "checklist_changed": N_("修改3+1清单"), "reminder_rule_changed": N_("修改提醒规则"),
}
OBJECT_LABELS = {
    "item": N_("建议提案"), "submitter": N_("提出人"), "assignment": N_("承办任务"),
    "returnrequest": N_("申退申请"), "extensionrequest": N_("延期申请"), "reply": N_("答复"),
    "replycosign": N_("答复会签"), "attachment": N_("附件"), "feedback": N_("征询意见"),
    "commitment": N_("承诺事项"), "contact": N_("沟通记录"), "progressnote": N_("办理进展"),
    "coopinion": N_("会办意见"), "session": N_("会次"), "user": N_("用户"), "apitoken": N_("接口令牌"),
    "unit": N_("承办单位"), "person": N_("代表委员"), "ruleprofile": N_("规则配置"),
    "calendarday": N_("工作日历"), "checklistentry": N_("3+1清单"), "instruction": N_("领导批示"),
    "slip": N_("督办单"), "reminderrule": N_("提醒规则"), "reminder": N_("提醒"), "notification": N_("通知"),
    "scorecard": N_("考核办法"), "criterion": N_("考核指标"), "manualscore": N_("考核评分"),
    "adjustment": N_("考核加减分"), "dispatchreport": N_("调度通报"), "supervisiondoc": N_("三书一函"),
    "objection": N_("异议"), "rectification": N_("整改情况"), "setting": N_("系统设置"),
    "auditentry": N_("操作日志"), "schedulerlease": N_("调度进程"), "": N_("系统设置"),
}

# An item's timeline: an entry without a written detail is named by its event (context "event")
EVENT_LABELS = {"registered": _lp("event", "登记"), "edited": _lp("event", "修改"), "assigned": _lp("event", "交办"),
                "received": _lp("event", "签收"), "return_requested": _lp("event", "申请退回"),
                "return_decided": _lp("event", "申退审核"), "deadline_recomputed": _lp("event", "期限调整"),
                "progress": _lp("event", "办理进展"), "contact": _lp("event", "沟通"), "co_opinion": _lp("event", "会办意见"),
                "reply_sent": _lp("event", "答复"), "reply_published": _lp("event", "公开"),
                "assignment_edited": _lp("event", "调整交办"), "feedback": _lp("event", "征询意见"),
                "closed": _lp("event", "销号"), "archived": _lp("event", "归档"), "merged": _lp("event", "并案"),
                "withdrawn": _lp("event", "撤回"), "instruction": _lp("event", "领导批示"),
                "reminder_sent": _lp("event", "提醒"), "slip_issued": _lp("event", "督办单")}


def action_label(action: str) -> str:
    label = ACTION_LABELS.get(action)
    return gettext(label) if label else action


def object_label(object_type: str) -> str:
    label = OBJECT_LABELS.get(object_type or "")
    return gettext(label) if label else object_type


def event_label(action: str) -> str:
    """An item timeline's word for an action: its own, else the audit log's."""
    label = EVENT_LABELS.get(action)
    return str(label) if label is not None else action_label(action)
