"""Administrator forms. Field names match the services' error keys, so a ``DomainError``'s
``fields`` land on the right inputs (tracker.core.web.flash_error)."""

from __future__ import annotations

from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    HiddenField,
    IntegerField,
    PasswordField,
    StringField,
    SubmitField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from tracker.accounts.models import Person, User
from tracker.admin import services
from tracker.assignments.deadlines import CLOCK_KEYS, CLOCK_LABELS, PERIOD_UNIT_LABELS, PeriodUnit
from tracker.core.enums import Body, ContactMethod, Role, choices
from tracker.core.forms import MultiCheckboxField, SelectField, options
from tracker.core.security import PASSWORD_RULE
from tracker.rules.checklist import REQUIREMENTS
from tracker.units.models import Unit

NONE = 0  # the "no unit / no person" choice of an int select
INVALID_CHOICE = _l("请从列表中选择")


def select(label_text: str, pairs=None, **kw) -> SelectField:
    return SelectField(label_text, choices=options(pairs) if pairs is not None else None,
                       invalid_choice_message=INVALID_CHOICE, **kw)


def unit_choices(include_inactive_id: int | None = None) -> list[tuple[int, str]]:
    query = Unit.select().order_by(Unit.sort_order, Unit.id)
    rows = [(u.id, u.name + ("" if u.active else _l("（已停用）"))) for u in query
            if u.active or u.id == include_inactive_id]
    return options([(NONE, _l("（不属于承办单位）")), *rows])


def person_choices() -> list[SelectChoice]:
    # every word translated once: ten years of deputies and members are thousands of options
    nouns = {Body.NPC.value: gettext("代表"), Body.CPPCC.value: gettext("委员")}
    other, comma, pattern = gettext("其他"), gettext("，"), gettext("%(name)s（%(about)s）")
    query = Person.select(Person.id, Person.name, Person.body, Person.delegation).order_by(Person.body, Person.name)
    rows = [(pid, pattern % {"name": name, "about": nouns.get(body, other) + (comma + delegation if delegation else "")})
            for pid, name, body, delegation in query.tuples()]
    return options([(NONE, _l("（不关联）")), *rows])


class UserFormBase(FlaskForm):
    name = StringField(_l("姓名"), validators=[DataRequired(_l("请填写姓名")), Length(max=100, message=_l("姓名不能超过 100 个字符"))])
    role = select(_l("角色"), choices(Role), validators=[DataRequired(_l("请选择角色"))])
    unit_id = select(_l("所属承办单位"), coerce=int, default=NONE)
    title = StringField(_l("职务"), validators=[Length(max=100, message=_l("职务不能超过 100 个字符"))])
    phone = StringField(_l("联系电话"), validators=[Length(max=50, message=_l("电话不能超过 50 个字符"))])
    email = StringField(_l("电子邮箱"), validators=[Length(max=200, message=_l("电子邮箱不能超过 200 个字符"))])
    person_id = select(_l("关联代表委员（仅代表委员账号）"), coerce=int, default=NONE)

    def load_choices(self, current_unit_id: int | None = None) -> None:
        self.unit_id.choices = unit_choices(current_unit_id)
        self.person_id.choices = person_choices()


class UserCreateForm(UserFormBase):
    username = StringField(_l("用户名"), validators=[DataRequired(_l("请填写用户名")),
                                              Length(max=80, message=_l("用户名不能超过 80 个字符"))])
    password = PasswordField(_l("初始密码"), validators=[DataRequired(_l("请填写初始密码"))], description=_l(PASSWORD_RULE))
    confirm = PasswordField(_l("确认密码"), validators=[DataRequired(_l("请再次输入密码"))])
    submit = SubmitField(_l("创建用户"))


class UserEditForm(UserFormBase):
    version = HiddenField()
    submit = SubmitField(_l("保存"))


class PasswordForm(FlaskForm):
    password = PasswordField(_l("新密码"), validators=[DataRequired(_l("请输入新密码"))], description=_l(PASSWORD_RULE))
    confirm = PasswordField(_l("确认新密码"), validators=[DataRequired(_l("请再次输入新密码"))])
    submit = SubmitField(_l("重置密码"))


class UnitForm(FlaskForm):
    name = StringField(_l("单位全称"), validators=[DataRequired(_l("请填写单位名称")),
                                             Length(max=200, message=_l("单位名称不能超过 200 个字符"))])
    short_name = StringField(_l("简称"), validators=[Length(max=50, message=_l("简称不能超过 50 个字符"))])
    category = select(_l("类别"), [(k, _l(v)) for k, v in services.UNIT_CATEGORIES.items()])
    city_leader_id = select(_l("分管市领导"), validate_choice=False)  # checked by the service
    submit = SubmitField(_l("保存"))

    def with_leaders(self) -> UnitForm:
        """The city leaders to choose from (active leader accounts)."""
        leaders = (User.select().where((User.role == Role.LEADER.value) & (User.active == True))  # noqa: E712
                   .order_by(User.id))
        self.city_leader_id.choices = options([("", _l("（未指定）")),
                                            *((str(u.id), u.display + (f"（{u.title}）" if u.title else ""))
                                              for u in leaders)])
        return self


class PersonForm(FlaskForm):
    name = StringField(_l("姓名"), validators=[DataRequired(_l("请填写姓名"))])
    body = select(_l("身份"), [(Body.NPC.value, _l("人大代表")), (Body.CPPCC.value, _l("政协委员")),
                           (Body.OTHER.value, _l("其他（党派、团体等）"))])
    delegation = StringField(_l("代表团 / 界别"), description=_l("人大代表填所在代表团，政协委员填所在界别"))
    phone = StringField(_l("联系电话"))
    email = StringField(_l("电子邮箱"))
    submit = SubmitField(_l("保存"))


UNIT_SELECT = [(u.value, _l(PERIOD_UNIT_LABELS[u])) for u in
               (PeriodUnit.WORKING_DAY, PeriodUnit.CALENDAR_DAY, PeriodUnit.CALENDAR_MONTH)]


def profile_form_class() -> type[FlaskForm]:
    """One amount + unit pair per clock of the profile, then the switches."""

    class ProfileForm(FlaskForm):
        roll_forward = BooleanField(_l("期限最后一日为休息日时，顺延至下一个工作日（民法典第二百零三条）"))
        review_department_replies = BooleanField(_l("部门办理件的答复也须经督查室审核后发送"))
        checklist_blocks_closeout = BooleanField(_l("“3+1”清单未完成时不允许销号（否则仅提示）"))
        clocks_run_during_return = BooleanField(_l("申退审核期间，承办单位的各项期限照常计算"))
        reply_anchor = select(_l("答复期限起算日"), [
            ("assigned", _l("交办日")), ("session_closed", _l("闭会日（会次登记了闭会日的）")),
            ("received", _l("收到日（件登记了收到日期的）"))], validate_choice=False)  # checked by the service
        submit = SubmitField(_l("保存规则"))

    for key in CLOCK_KEYS:
        setattr(ProfileForm, f"{key}_amount", IntegerField(
            _l("%(clock)s期限", clock=_l(CLOCK_LABELS[key])),
            validators=[InputRequired(_l("请填写“%(clock)s”的期限", clock=_l(CLOCK_LABELS[key]))),
                        NumberRange(min=1, max=366, message=_l("期限须在 1 到 366 之间"))]))
        setattr(ProfileForm, f"{key}_unit", select(_l("%(clock)s期限单位", clock=_l(CLOCK_LABELS[key])), UNIT_SELECT))
    return ProfileForm


class CalendarDayForm(FlaskForm):
    day = DateField(_l("日期"), validators=[InputRequired(_l("请选择日期"))])
    is_workday = select(_l("设为"), [("rest", _l("休息日（放假）")), ("workday", _l("工作日（上班）"))])
    name = StringField(_l("名称（可选）"), validators=[Length(max=50, message=_l("名称不能超过 50 个字符"))],
                       description=_l("例如：国庆节、调休上班"))
    reason = StringField(_l("调整原因"), validators=[DataRequired(_l("请填写调整原因")),
                                               Length(max=200, message=_l("调整原因不能超过 200 个字符"))])
    submit = SubmitField(_l("保存调整"))


class ChecklistEntryForm(FlaskForm):
    tier = HiddenField()
    requirement = select(_l("考核要求"), [(key, _l(text)) for key, text in REQUIREMENTS.items()])
    label = StringField(_l("清单项名称"), validators=[DataRequired(_l("请填写清单项名称")),
                                               Length(max=100, message=_l("清单项名称不能超过 100 个字符"))])
    submit = SubmitField(_l("保存"))


class SettingsForm(FlaskForm):
    mail_digest = BooleanField(_l("邮件摘要：把提醒汇总为每人每天一封邮件（关闭则逐条发送）"))
    mail_digest_hour = IntegerField(_l("邮件摘要发送时间（0–23 时）"), validators=[
        InputRequired(_l("请填写时间")), NumberRange(min=0, max=23, message=_l("时间须为 0 到 23 之间的整数"))])
    mail_max_age_days = IntegerField(_l("邮件补发时限（天）"), validators=[
        InputRequired(_l("请填写邮件补发时限")),
        NumberRange(min=2, max=365, message=_l("邮件补发时限须为 2 到 365 之间的整数（天）"))])
    dispatch_weekly = BooleanField(_l("每周生成定期调度通报并发送给督查室和市领导"))
    dispatch_weekday = select(_l("调度通报星期"), [(i, _l(day)) for i, day in enumerate(services.WEEKDAYS)],
                              coerce=int)
    dispatch_hour = IntegerField(_l("调度通报时间（0–23 时）"), validators=[
        InputRequired(_l("请填写时间")), NumberRange(min=0, max=23, message=_l("时间须为 0 到 23 之间的整数"))])
    urge_throttle_hours = IntegerField(_l("同一件手动催办的最短间隔（小时）"), validators=[
        InputRequired(_l("请填写催办间隔")), NumberRange(min=1, max=720, message=_l("催办间隔须为 1 到 720 之间的整数（小时）"))])
    result_classes = select(_l("答复分类标识"), [
        ("ABCD", _l("A、B、C、D 四类（含“留作参考”）")), ("ABC", _l("A、B、C 三类"))])
    face_to_face_methods = MultiCheckboxField(  # the service checks the values (WTForms' message is English)
        _l("计为见面沟通的方式"), choices=options(choices(ContactMethod)), validate_choice=False)
    submit = SubmitField(_l("保存设置"))


class AuditFilterForm(FlaskForm):
    class Meta:
        csrf = False  # a GET filter

    actor = StringField(_l("操作人"), validators=[Optional()])
    action = select(_l("操作"), validators=[Optional()])
    object_type = select(_l("对象类型"), validators=[Optional()])
    item_id = IntegerField(_l("建议提案 ID"), validators=[Optional(), NumberRange(min=1, message=_l("请输入正整数"))])
    date_from = DateField(_l("起始日期"), validators=[Optional()])
    date_to = DateField(_l("截止日期"), validators=[Optional()])
