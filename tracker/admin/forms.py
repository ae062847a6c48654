"""Administrator forms. Field names match the services' error keys, so a ``DomainError``'s
``fields`` land on the right inputs (tracker.core.web.flash_error)."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    HiddenField,
    IntegerField,
    PasswordField,
    SelectField,
    StringField,
    SubmitField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from tracker.accounts.models import Person
from tracker.admin import services
from tracker.assignments.deadlines import CLOCK_KEYS, CLOCK_LABELS, PERIOD_UNIT_LABELS, PeriodUnit
from tracker.core.enums import Body, Role, choices
from tracker.core.security import PASSWORD_RULE
from tracker.rules.checklist import REQUIREMENTS
from tracker.units.models import Unit

NONE = 0  # the "no unit / no person" choice of an int select
INVALID_CHOICE = "请从列表中选择"


def opts(pairs) -> list[SelectChoice]:
    """(value, label) pairs as select options."""
    return [SelectChoice(value, text) for value, text in pairs]


def select(label_text: str, pairs=None, **kw) -> SelectField:
    return SelectField(label_text, choices=opts(pairs) if pairs is not None else None,
                       invalid_choice_message=INVALID_CHOICE, **kw)


def unit_choices(include_inactive_id: int | None = None) -> list[tuple[int, str]]:
    query = Unit.select().order_by(Unit.sort_order, Unit.id)
    rows = [(u.id, u.name + ("" if u.active else "（已停用）")) for u in query
            if u.active or u.id == include_inactive_id]
    return opts([(NONE, "（不属于承办单位）"), *rows])


def person_choices() -> list[SelectChoice]:
    nouns = {Body.NPC.value: "代表", Body.CPPCC.value: "委员"}
    rows = [(p.id, f"{p.name}（{nouns.get(p.body, '其他')}{'，' + p.delegation if p.delegation else ''}）")
            for p in Person.select().order_by(Person.body, Person.name)]
    return opts([(NONE, "（不关联）"), *rows])


class UserFormBase(FlaskForm):
    name = StringField("姓名", validators=[DataRequired("请填写姓名"), Length(max=100, message="姓名不能超过 100 个字符")])
    role = select("角色", choices(Role), validators=[DataRequired("请选择角色")])
    unit_id = select("所属承办单位", coerce=int, default=NONE)
    title = StringField("职务", validators=[Length(max=100, message="职务不能超过 100 个字符")])
    phone = StringField("联系电话", validators=[Length(max=50, message="电话不能超过 50 个字符")])
    email = StringField("电子邮箱", validators=[Length(max=200, message="电子邮箱不能超过 200 个字符")])
    person_id = select("关联代表委员（仅代表委员账号）", coerce=int, default=NONE)

    def load_choices(self, current_unit_id: int | None = None) -> None:
        self.unit_id.choices = unit_choices(current_unit_id)
        self.person_id.choices = person_choices()


class UserCreateForm(UserFormBase):
    username = StringField("用户名", validators=[DataRequired("请填写用户名"),
                                              Length(max=80, message="用户名不能超过 80 个字符")])
    password = PasswordField("初始密码", validators=[DataRequired("请填写初始密码")], description=PASSWORD_RULE)
    confirm = PasswordField("确认密码", validators=[DataRequired("请再次输入密码")])
    submit = SubmitField("创建用户")


class UserEditForm(UserFormBase):
    version = HiddenField()
    submit = SubmitField("保存")


class PasswordForm(FlaskForm):
    password = PasswordField("新密码", validators=[DataRequired("请输入新密码")], description=PASSWORD_RULE)
    confirm = PasswordField("确认新密码", validators=[DataRequired("请再次输入新密码")])
    submit = SubmitField("重置密码")


class UnitForm(FlaskForm):
    name = StringField("单位全称", validators=[DataRequired("请填写单位名称"),
                                             Length(max=200, message="单位名称不能超过 200 个字符")])
    short_name = StringField("简称", validators=[Length(max=50, message="简称不能超过 50 个字符")])
    category = select("类别", services.UNIT_CATEGORIES.items())
    submit = SubmitField("保存")


class PersonForm(FlaskForm):
    name = StringField("姓名", validators=[DataRequired("请填写姓名")])
    body = select("身份", [(Body.NPC.value, "人大代表"), (Body.CPPCC.value, "政协委员"),
                           (Body.OTHER.value, "其他（党派、团体等）")])
    delegation = StringField("代表团 / 界别", description="人大代表填所在代表团，政协委员填所在界别")
    phone = StringField("联系电话")
    email = StringField("电子邮箱")
    submit = SubmitField("保存")


UNIT_SELECT = [(u.value, PERIOD_UNIT_LABELS[u]) for u in
               (PeriodUnit.WORKING_DAY, PeriodUnit.CALENDAR_DAY, PeriodUnit.CALENDAR_MONTH)]


def profile_form_class() -> type[FlaskForm]:
    """One amount + unit pair per clock of the profile, then the switches."""

    class ProfileForm(FlaskForm):
        roll_forward = BooleanField("期限最后一日为休息日时，顺延至下一个工作日（民法典第二百零三条）")
        review_department_replies = BooleanField("部门办理件的答复也须经督查室审核后发送")
        checklist_blocks_closeout = BooleanField("“3+1”清单未完成时不允许销号（否则仅提示）")
        submit = SubmitField("保存规则")

    for key in CLOCK_KEYS:
        setattr(ProfileForm, f"{key}_amount", IntegerField(
            f"{CLOCK_LABELS[key]}期限",
            validators=[InputRequired(f"请填写“{CLOCK_LABELS[key]}”的期限"),
                        NumberRange(min=1, max=366, message="期限须在 1 到 366 之间")]))
        setattr(ProfileForm, f"{key}_unit", select(f"{CLOCK_LABELS[key]}期限单位", UNIT_SELECT))
    return ProfileForm


class CalendarDayForm(FlaskForm):
    day = DateField("日期", validators=[InputRequired("请选择日期")])
    is_workday = select("设为", [("rest", "休息日（放假）"), ("workday", "工作日（上班）")])
    name = StringField("名称（可选）", validators=[Length(max=50, message="名称不能超过 50 个字符")],
                       description="例如：国庆节、调休上班")
    reason = StringField("调整原因", validators=[DataRequired("请填写调整原因"),
                                               Length(max=200, message="调整原因不能超过 200 个字符")])
    submit = SubmitField("保存调整")


class ChecklistEntryForm(FlaskForm):
    tier = HiddenField()
    requirement = select("考核要求", REQUIREMENTS.items())
    label = StringField("清单项名称", validators=[DataRequired("请填写清单项名称"),
                                               Length(max=100, message="清单项名称不能超过 100 个字符")])
    submit = SubmitField("保存")


class SettingsForm(FlaskForm):
    mail_digest = BooleanField("邮件摘要：把提醒汇总为每人每天一封邮件（关闭则逐条发送）")
    mail_digest_hour = IntegerField("邮件摘要发送时间（0–23 时）", validators=[
        InputRequired("请填写时间"), NumberRange(min=0, max=23, message="时间须为 0 到 23 之间的整数")])
    dispatch_weekly = BooleanField("每周生成定期调度通报并发送给督查室和市领导")
    dispatch_weekday = select("调度通报星期", enumerate(services.WEEKDAYS), coerce=int)
    dispatch_hour = IntegerField("调度通报时间（0–23 时）", validators=[
        InputRequired("请填写时间"), NumberRange(min=0, max=23, message="时间须为 0 到 23 之间的整数")])
    urge_throttle_hours = IntegerField("同一件手动催办的最短间隔（小时）", validators=[
        InputRequired("请填写催办间隔"), NumberRange(min=1, max=720, message="催办间隔须为 1 到 720 之间的整数（小时）")])
    result_classes = select("答复分类标识", [
        ("ABCD", "A、B、C、D 四类（含“留作参考”）"), ("ABC", "A、B、C 三类")])
    submit = SubmitField("保存设置")


class AuditFilterForm(FlaskForm):
    class Meta:
        csrf = False  # a GET filter

    actor = StringField("操作人", validators=[Optional()])
    action = select("操作", validators=[Optional()])
    object_type = select("对象类型", validators=[Optional()])
    item_id = IntegerField("建议提案 ID", validators=[Optional(), NumberRange(min=1, message="请输入正整数")])
    date_from = DateField("起始日期", validators=[Optional()])
    date_to = DateField("截止日期", validators=[Optional()])
