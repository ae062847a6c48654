"""Page forms of the 三书一函. They parse and keep what the user typed; the services decide what is
valid (their Chinese messages land on the fields through ``flash_error``)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import (
    BooleanField,
    DateField,
    HiddenField,
    StringField,
    TextAreaField,
)
from wtforms.validators import InputRequired, Length, Optional

from tracker.core.enums import Tier, choices
from tracker.core.forms import SelectField
from tracker.items.forms import DATE_MESSAGE, int_or_none, options
from tracker.supervision import rules
from tracker.supervision.services import kind_choices

DATE_FORMAT = "%Y-%m-%d"


class DocumentFields(FlaskForm):
    """The fields registration and editing share: the document's and the item's own."""

    title = StringField(_l("标题（事由）"), validators=[InputRequired(_l("请填写标题")),
                                                 Length(max=300, message=_l("标题不能超过 300 个字符"))],
                        render_kw={"placeholder": _l("如：关于加强校外培训机构消防安全管理的检察建议")})
    issuing_body = StringField(_l("制发机关"), validators=[InputRequired(_l("请填写制发机关")),
                                                   Length(max=200, message=_l("制发机关不能超过 200 个字"))],
                               render_kw={"placeholder": _l("如：市人民检察院")})
    issue_date = DateField(_l("制发日期"), validators=[InputRequired(DATE_MESSAGE)], format=DATE_FORMAT,
                           render_kw={"type": "date"})
    written_due = DateField(_l("文书载明的答复期限"), validators=[Optional()], format=DATE_FORMAT,
                            render_kw={"type": "date"})
    case_name = StringField(_l("案件名称"), validators=[Length(max=300, message=_l("案件名称不能超过 300 个字"))])
    case_code = StringField(_l("案号"), validators=[Length(max=100, message=_l("案号不能超过 100 个字"))],
                            render_kw={"placeholder": _l("如：（2026）沪0101刑初123号")})
    sectors = StringField(_l("涉及领域"), validators=[Length(max=2000, message=_l("涉及领域不能超过 2000 个字"))],
                          render_kw={"placeholder": _l("如：安全生产、校外培训")})
    content = TextAreaField(_l("主要内容"), render_kw={"rows": 6})
    category = StringField(_l("内容分类"), validators=[Length(max=50, message=_l("内容分类不能超过 50 个字符"))])
    received_on = DateField(_l("收到日期"), validators=[Optional()], format=DATE_FORMAT, render_kw={"type": "date"})
    tier = SelectField(_l("办理层级"), choices=options(choices(Tier)), default=Tier.DEPARTMENT.value,
                       invalid_choice_message=_l("办理层级不正确"))
    leader_id = SelectField(_l("领办市领导"), coerce=int_or_none, invalid_choice_message=_l("领办领导须为市领导账号"),
                            invalid_value_message=_l("领办领导须为市领导账号"))
    is_key = BooleanField(_l("重点件"))
    note = TextAreaField(_l("备注"), render_kw={"rows": 2})

    def set_leaders(self, leaders) -> None:
        self.leader_id.choices = options(
            ((u.id, f"{u.display}（{u.title}）" if u.title else u.display) for u in leaders), blank=_l("（无）"))

    def document_kwargs(self, kind: str) -> dict:
        """The document's fields as the service takes them; the case code only where the kind
        has one (the field is hidden for 监察建议书)."""
        return {
            "issuing_body": self.issuing_body.data or "", "issue_date": self.issue_date.data,
            "case_name": self.case_name.data or "",
            "case_code": (self.case_code.data or "") if rules.has_case_code(kind) else "",
            "sectors": self.sectors.data or "", "written_due": self.written_due.data,
        }

    def item_kwargs(self) -> dict:
        return {
            "title": self.title.data or "", "content": self.content.data or "",
            "category": self.category.data or "", "tier": self.tier.data, "is_key": bool(self.is_key.data),
            "received_on": self.received_on.data, "leader_id": self.leader_id.data, "note": self.note.data or "",
        }


class DocumentForm(DocumentFields):
    """登记三书一函."""

    kind = SelectField(_l("文书类别"), validators=[InputRequired(_l("请选择文书类别"))],
                       invalid_choice_message=_l("文书类别不正确"))
    session_id = SelectField(_l("批次"), coerce=int_or_none, validators=[InputRequired(_l("请选择批次"))],
                             invalid_choice_message=_l("批次不存在"), invalid_value_message=_l("批次不存在"))
    number = StringField(_l("文书编号"), validators=[InputRequired(_l("请填写文书编号")),
                                             Length(max=30, message=_l("文书编号不能超过 30 个字符"))],
                         render_kw={"placeholder": _l("如：检建〔2026〕3号")})

    def set_choices(self, sessions, leaders) -> None:
        self.kind.choices = options(kind_choices(), blank=_l("请选择文书类别"))
        self.session_id.choices = options(((s.id, f"{s.name}（{s.year}）") for s in sessions),
                                          blank=_l("请选择批次"))
        self.set_leaders(leaders)

    def service_kwargs(self) -> dict:
        kind = self.kind.data or ""
        return {"kind": kind, "session_id": self.session_id.data, "number": self.number.data or "",
                **self.item_kwargs(), **self.document_kwargs(kind)}


class DocumentEditForm(DocumentFields):
    """修改文书信息; ``version`` guards against overwriting a newer edit of the item."""

    version = HiddenField()


class ObjectionForm(FlaskForm):
    reason = TextAreaField(_l("异议理由"), validators=[InputRequired(_l("请填写异议理由")), Length(max=5000)],
                           render_kw={"rows": 4, "placeholder": _l("写明对文书所认定事实、建议事项的不同意见及依据")})


class ObjectionDecisionForm(FlaskForm):
    decision = SelectField(_l("制发机关的决定"), choices=options([
        (rules.DISMISS, _l("异议不成立（维持原文书，继续办理）")),
        (rules.UPHOLD, _l("异议成立（制发机关撤回文书，本件撤回）")),
    ]), default=rules.DISMISS, validators=[InputRequired(_l("请选择制发机关的决定"))])
    issuer_decision = TextAreaField(_l("决定内容"), validators=[InputRequired(_l("请填写制发机关的决定内容")),
                                                        Length(max=5000)],
                                    render_kw={"rows": 3, "placeholder": _l("如：经复核，维持原检察建议（复函文号……）")})
    version = HiddenField()


class RectificationForm(FlaskForm):
    measures = TextAreaField(_l("整改措施"), validators=[InputRequired(_l("请填写整改措施")), Length(max=5000)],
                             render_kw={"rows": 5})
    sector_governance = BooleanField(_l("已开展系统治理（行业治理）"))
    sector_governance_note = TextAreaField(_l("系统治理情况"), validators=[Length(max=2000)], render_kw={"rows": 2})
    long_term_mechanism = BooleanField(_l("已建立长效机制"))
    long_term_mechanism_note = TextAreaField(_l("长效机制"), validators=[Length(max=2000)], render_kw={"rows": 2},
                                             description=_l("写明制度、机制名称或内容"))
    version = HiddenField()

    def service_kwargs(self) -> dict:
        return {
            "measures": self.measures.data or "", "sector_governance": bool(self.sector_governance.data),
            "sector_governance_note": self.sector_governance_note.data or "",
            "long_term_mechanism": bool(self.long_term_mechanism.data),
            "long_term_mechanism_note": self.long_term_mechanism_note.data or "",
            "version": self.version.data or None,
        }


class ImportForm(FlaskForm):
    session_id = SelectField(_l("批次"), coerce=int_or_none, validators=[InputRequired(_l("请选择批次"))],
                             invalid_choice_message=_l("批次不存在"), invalid_value_message=_l("批次不存在"))
    kind = SelectField(_l("文书类别"), description=_l("表格中有“文书类别”列时按该列，否则按此处选择"))
    file = FileField(_l("Excel 文件（.xlsx）"), validators=[FileRequired(_l("请选择要导入的 Excel 文件"))])

    def set_choices(self, sessions) -> None:
        self.session_id.choices = options(((s.id, s.name) for s in sessions), blank=_l("请选择批次"))
        self.kind.choices = options(kind_choices(), blank=_l("按表格中的“文书类别”列"))


class ConfirmImportForm(FlaskForm):
    payload = HiddenField(validators=[InputRequired()])
    session_id = HiddenField(validators=[InputRequired()])
    kind = HiddenField()
    filename = HiddenField()

