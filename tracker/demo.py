"""Demo data for ``tracker seed-demo``: a city's units and people, two 2026 sessions and 200+
items spread over every state the installed services can reach.

Everything is created through the services (so the audit log, the timelines, the computed
deadlines and the notifications are real), in one transaction, from a fixed random seed: the
same database gets the same data. Dates are relative to today, so some items are overdue by a
few days, some by weeks and months, and some are due soon. Each step runs at its own moment in
the past (``clock.frozen_at``, see :class:`Story`), so the timelines, audit log and notifications
tell the story over the months, never later than the last working day before today.

The later stages (contacts, co opinions, extensions, replies through sign-off/co-sign/review,
feedback, re-handling, commitments, close-out) run only when their modules are installed;
a call that fails raises — the seed never hides a refused step.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import importlib
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from types import ModuleType
from typing import Any

from tracker.accounts import services as accounts
from tracker.accounts.models import Person, User
from tracker.assignments import deadlines
from tracker.assignments import services as assignments
from tracker.assignments.models import Assignment
from tracker.core import clock, security
from tracker.core.db import db
from tracker.core.enums import (
    Body,
    HandlingRole,
    ItemKind,
    Role,
    Tier,
    label,
)
from tracker.items import services as items
from tracker.items.models import Item, Session
from tracker.replies.models import Commitment, Reply
from tracker.units import services as units
from tracker.units.models import Unit


def _optional(name: str) -> ModuleType | None:
    """A module of a later stage, or None when it is not installed (errors inside it propagate)."""
    try:
        return importlib.import_module(name)
    except ModuleNotFoundError as exc:
        if exc.name != name:
            raise
        return None


handling = _optional("tracker.handling.services")
replies = _optional("tracker.replies.services")
closeout = _optional("tracker.replies.closeout")
instructions = _optional("tracker.items.instructions")
merging = _optional("tracker.items.merging")


def _has(module: ModuleType | None, *names: str) -> bool:
    return module is not None and all(callable(getattr(module, n, None)) for n in names)


# --- the city -------------------------------------------------------------------------------

# (full name, short name, login code, category)
UNITS: list[tuple[str, str, str, str]] = [
    ("市发展和改革委员会", "市发改委", "fgw", "department"),
    ("市教育局", "市教育局", "jyj", "department"),
    ("市科学技术局", "市科技局", "kjj", "department"),
    ("市工业和信息化局", "市工信局", "gxj", "department"),
    ("市公安局", "市公安局", "gaj", "department"),
    ("市民政局", "市民政局", "mzj", "department"),
    ("市司法局", "市司法局", "sfj", "department"),
    ("市财政局", "市财政局", "czj", "department"),
    ("市人力资源和社会保障局", "市人社局", "rsj", "department"),
    ("市自然资源和规划局", "市自然资源规划局", "zrj", "department"),
    ("市生态环境局", "市生态环境局", "sthj", "department"),
    ("市住房和城乡建设局", "市住建局", "zjj", "department"),
    ("市交通运输局", "市交通局", "jtj", "department"),
    ("市水务局", "市水务局", "swj", "department"),
    ("市农业农村局", "市农业农村局", "nyj", "department"),
    ("市商务局", "市商务局", "sww", "department"),
    ("市文化广电旅游局", "市文广旅局", "wlj", "department"),
    ("市卫生健康委员会", "市卫健委", "wjw", "department"),
    ("市退役军人事务局", "市退役军人局", "tyjr", "department"),
    ("市应急管理局", "市应急局", "yjj", "department"),
    ("市市场监督管理局", "市市场监管局", "scj", "department"),
    ("市体育局", "市体育局", "tyj", "department"),
    ("市统计局", "市统计局", "tjj", "department"),
    ("市医疗保障局", "市医保局", "ybj", "department"),
    ("市城市管理局", "市城管局", "cgj", "department"),
    ("市林业局", "市林业局", "lyj", "department"),
    ("市数据局", "市数据局", "sjj", "department"),
    ("东城区人民政府", "东城区政府", "dcq", "district"),
    ("西城区人民政府", "西城区政府", "xcq", "district"),
    ("南湖区人民政府", "南湖区政府", "nhq", "district"),
    ("北山区人民政府", "北山区政府", "bsq", "district"),
    ("高新区管委会", "高新区管委会", "gxq", "district"),
    ("经济技术开发区管委会", "经开区管委会", "jkq", "district"),
]
DISTRICT_OF = {"东城区": "dcq", "西城区": "xcq", "南湖区": "nhq", "北山区": "bsq", "高新区": "gxq",
               "经开区": "jkq"}

SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董萧程曹袁邓许傅沈曾彭吕苏卢蒋蔡贾丁魏薛叶阎余潘杜戴夏钟汪田任姜范方石姚谭廖邹熊金陆郝孔白崔康毛邱秦江史顾侯邵孟龙万段雷钱汤尹黎易常武乔贺赖龚文"
GIVEN = ["建国", "晓红", "丽华", "志强", "海燕", "国庆", "文博", "静怡", "明轩", "秀英", "立新", "春梅",
         "振华", "玉兰", "子涵", "永刚", "淑芬", "浩然", "雪梅", "伟东", "红霞", "宏伟", "佳琪", "德胜",
         "桂芳", "思远", "晓东", "美玲", "建军", "婷婷", "旭东", "慧敏", "长青", "若溪", "国栋", "亚楠",
         "志远", "晨曦", "卫国", "欣怡", "鹏飞", "秋菊", "学军", "梦瑶", "海涛", "凤英", "家豪", "新民"]
DELEGATIONS = ["东城区代表团", "西城区代表团", "南湖区代表团", "北山区代表团", "高新区代表团",
               "经开区代表团", "驻市部队代表团"]
SECTORS = ["中共", "民革", "民盟", "民建", "民进", "农工党", "九三学社", "无党派人士", "工商联",
           "经济界", "教育界", "科技界", "医药卫生界", "文化艺术界", "农业界", "社会福利和社会保障界"]

PLACES = ["东城区", "西城区", "南湖区", "北山区", "高新区", "经开区"]
ROADS = ["解放路", "人民大道", "建设路", "滨江路", "环城北路", "中山路", "长江路", "和平街", "迎宾大道",
         "工业大道"]
WATERS = ["南湖", "清水河", "玉带河", "凤凰湖", "东沙河"]

# (category, title template, lead unit code, possible co units); {place}, {road}, {water}.
TOPICS: list[tuple[str, str, str, list[str]]] = [
    ("教育", "关于加快{place}中小学学位供给的", "jyj", ["zrj", "czj"]),
    ("教育", "关于推进{place}义务教育优质均衡发展的", "jyj", ["czj"]),
    ("教育", "关于加强中小学生心理健康教育的", "jyj", ["wjw"]),
    ("教育", "关于在{place}增设公办幼儿园的", "jyj", ["zrj", "zjj"]),
    ("教育", "关于改善{place}学校周边交通秩序的", "gaj", ["jyj", "jtj"]),
    ("教育", "关于深化职业教育产教融合的", "jyj", ["rsj", "gxj"]),
    ("交通", "关于优化{road}交通信号配时缓解高峰拥堵的", "gaj", ["jtj"]),
    ("交通", "关于在{place}增开公交线路方便群众出行的", "jtj", ["dcq"]),
    ("交通", "关于加快{place}公共停车设施建设的", "zjj", ["jtj", "zrj"]),
    ("交通", "关于完善{road}非机动车道的", "jtj", ["gaj", "cgj"]),
    ("交通", "关于做好轨道交通站点公交接驳的", "jtj", ["zrj"]),
    ("交通", "关于推进农村公路提档升级的", "jtj", ["nyj", "czj"]),
    ("医疗", "关于推进{place}社区卫生服务中心标准化建设的", "wjw", ["czj"]),
    ("医疗", "关于缓解市级医院“看病难”问题的", "wjw", ["ybj"]),
    ("医疗", "关于完善家庭医生签约服务的", "wjw", ["ybj"]),
    ("医疗", "关于加强基层儿科医疗服务能力的", "wjw", []),
    ("医疗", "关于扩大异地就医直接结算范围的", "ybj", ["wjw"]),
    ("养老", "关于加快{place}社区嵌入式养老服务设施建设的", "mzj", ["zjj", "zrj"]),
    ("养老", "关于推进老年助餐服务全覆盖的", "mzj", ["scj"]),
    ("养老", "关于发展普惠型养老服务的", "mzj", ["fgw"]),
    ("养老", "关于加强失能老人长期照护保障的", "ybj", ["mzj", "wjw"]),
    ("住房", "关于加快{place}老旧小区改造的", "zjj", ["jtj", "cgj"]),
    ("住房", "关于加快{place}既有住宅加装电梯的", "zjj", ["scj", "zrj"]),
    ("住房", "关于加强{place}住宅小区物业服务管理的", "zjj", []),
    ("住房", "关于加快{place}城中村改造的", "zjj", ["zrj", "czj"]),
    ("住房", "关于推进{road}沿线老旧燃气管道更新改造的", "zjj", ["yjj", "cgj"]),
    ("住房", "关于增加保障性租赁住房供给的", "zjj", ["zrj", "fgw"]),
    ("住房", "关于解决{place}安置房办证难问题的", "zrj", ["zjj"]),
    ("生态环境", "关于加强{water}水环境综合治理的", "sthj", ["swj"]),
    ("生态环境", "关于推进餐饮油烟污染治理的", "sthj", ["cgj", "scj"]),
    ("生态环境", "关于加强{place}建筑工地扬尘管控的", "zjj", ["sthj", "cgj"]),
    ("生态环境", "关于深入推进生活垃圾分类的", "cgj", ["sthj"]),
    ("生态环境", "关于加强{place}噪声污染防治的", "sthj", ["gaj"]),
    ("营商环境", "关于进一步优化营商环境支持民营经济发展的", "fgw", ["scj", "sjj"]),
    ("营商环境", "关于推进涉企审批“一件事一次办”的", "sjj", ["scj"]),
    ("营商环境", "关于缓解中小微企业融资难融资贵的", "czj", ["gxj"]),
    ("营商环境", "关于规范涉企行政检查的", "sfj", ["scj"]),
    ("营商环境", "关于加快{place}产业园区配套设施建设的", "gxj", ["zrj"]),
    ("乡村振兴", "关于推进{place}农村人居环境整治的", "nyj", ["zjj", "sthj"]),
    ("乡村振兴", "关于打造特色农产品区域公用品牌的", "nyj", ["scj", "sww"]),
    ("乡村振兴", "关于加强高标准农田建设的", "nyj", ["zrj", "swj"]),
    ("乡村振兴", "关于发展壮大农村集体经济的", "nyj", ["czj"]),
    ("文化旅游", "关于加强{place}历史文化街区保护利用的", "wlj", ["zrj", "zjj"]),
    ("文化旅游", "关于打造{water}滨水文旅休闲带的", "wlj", ["swj"]),
    ("文化旅游", "关于推进公共文化服务数字化的", "wlj", ["sjj"]),
    ("文化旅游", "关于发展夜间文旅消费的", "sww", ["wlj", "cgj"]),
    ("食品安全", "关于加强校园食品安全监管的", "scj", ["jyj"]),
    ("食品安全", "关于规范农贸市场食品安全管理的", "scj", ["sww"]),
    ("食品安全", "关于加强网络订餐食品安全监管的", "scj", []),
    ("食品安全", "关于推进“明厨亮灶”全覆盖的", "scj", []),
    ("城市管理", "关于加强{road}沿线市容环境整治的", "cgj", []),
    ("城市管理", "关于规范共享单车停放管理的", "cgj", ["jtj", "gaj"]),
    ("城市管理", "关于推进{place}背街小巷改造提升的", "cgj", ["zjj"]),
    ("城市管理", "关于完善城市内涝防治体系的", "swj", ["zjj", "cgj"]),
    ("城市管理", "关于加强户外广告招牌设置管理的", "cgj", []),
    ("就业社保", "关于加强高校毕业生就业服务的", "rsj", ["jyj"]),
    ("就业社保", "关于保障新就业形态劳动者权益的", "rsj", ["sfj"]),
    ("安全生产", "关于加强高层建筑消防安全管理的", "yjj", ["zjj", "gaj"]),
    ("安全生产", "关于加快电动自行车集中充电设施建设的", "zjj", ["yjj", "cgj"]),
    ("数字政府", "关于推进政务数据共享和“一网通办”的", "sjj", ["fgw"]),
    ("体育", "关于在{place}建设更多全民健身场地设施的", "tyj", ["zrj"]),
    ("退役军人", "关于完善退役军人就业创业扶持政策的", "tyjr", ["rsj"]),
    ("林业绿化", "关于推进{place}口袋公园建设的", "lyj", ["zrj", "cgj"]),
]

PROBLEMS = {
    "教育": ["学位供需矛盾突出", "优质教育资源分布不均", "部分学校办学条件有待改善"],
    "交通": ["早晚高峰拥堵明显", "公交线网覆盖不足", "停车供需矛盾突出"],
    "医疗": ["基层医疗服务能力不足", "群众就医排队时间较长", "医疗资源配置不够均衡"],
    "养老": ["养老服务设施供给不足", "社区养老服务内容单一", "专业护理人员短缺"],
    "住房": ["小区基础设施老化", "群众改造意愿强烈但资金筹措难", "物业服务质量参差不齐"],
    "生态环境": ["水体返黑返臭现象时有发生", "群众投诉较多", "监管手段相对滞后"],
    "营商环境": ["审批环节仍然较多", "企业办事成本偏高", "政策知晓度和兑现效率不高"],
    "乡村振兴": ["农村基础设施短板明显", "产业带动能力不强", "村集体经济收入偏低"],
    "文化旅游": ["文化资源活化利用不足", "文旅业态较为单一", "配套服务设施不完善"],
    "食品安全": ["监管覆盖面不足", "从业人员食品安全意识不强", "追溯体系不健全"],
    "城市管理": ["市容秩序反弹明显", "设施管护责任不清", "群众反映问题处置不够及时"],
    "就业社保": ["就业服务精准度不高", "劳动者权益保障存在短板", "政策宣传不够到位"],
    "安全生产": ["安全隐患排查整治不彻底", "基础设施配套不足", "群众安全意识有待提高"],
    "数字政府": ["部门数据壁垒仍然存在", "群众办事“多头跑”", "系统重复建设"],
    "体育": ["健身场地设施不足", "现有场地开放率不高", "设施维护管理缺位"],
    "退役军人": ["就业渠道较窄", "扶持政策落实不够到位", "服务保障体系不健全"],
    "林业绿化": ["城市绿地分布不均", "群众身边休闲空间不足", "后期管护机制不健全"],
}
SUGGESTIONS = {
    "教育": ["科学编制学校布局规划", "加大财政投入力度", "推进集团化办学", "加强教师队伍建设"],
    "交通": ["优化线网和站点布局", "加快配套设施建设", "运用智能化手段提升管理水平", "加强部门协同"],
    "医疗": ["加大基层投入", "推进医联体建设", "完善分级诊疗制度", "加强人才引进和培养"],
    "养老": ["统筹布局养老服务设施", "鼓励社会力量参与", "完善运营补贴政策", "加强专业人才培养"],
    "住房": ["建立多元化资金筹措机制", "简化审批流程", "强化质量安全监管", "完善长效管理机制"],
    "生态环境": ["实施系统治理", "加强源头管控", "完善监测预警体系", "建立长效管护机制"],
    "营商环境": ["精简审批事项和环节", "推行“免申即享”", "加强政策宣传解读", "建立企业诉求快速响应机制"],
    "乡村振兴": ["加大项目资金倾斜", "培育新型经营主体", "完善利益联结机制", "加强基础设施建设"],
    "文化旅游": ["加强规划引领", "丰富文旅业态", "完善配套设施", "加大宣传推介力度"],
    "食品安全": ["加大抽检和执法力度", "推进智慧监管", "落实主体责任", "加强宣传培训"],
    "城市管理": ["压实属地和部门责任", "推进精细化管理", "加强日常巡查", "畅通群众反映渠道"],
    "就业社保": ["完善公共就业服务体系", "加强技能培训", "健全权益保障机制", "加大政策宣传力度"],
    "安全生产": ["开展专项排查整治", "加快配套设施建设", "压实各方安全责任", "加强宣传教育"],
    "数字政府": ["统一数据标准", "打通部门系统", "推动高频事项集成办理", "加强数据安全保障"],
    "体育": ["利用边角地建设健身设施", "推动学校体育场地错时开放", "明确管护责任", "加大投入"],
    "退役军人": ["拓宽就业渠道", "加大创业扶持", "完善服务保障体系", "加强教育培训"],
    "林业绿化": ["见缝插绿建设口袋公园", "完善配套服务设施", "建立长效管护机制", "鼓励群众参与"],
}
ORDINALS = ["一", "二", "三", "四"]

PROGRESS = ["已召开专题会议研究办理方案，明确责任科室和完成时限。",
            "已会同相关部门赴现场调研，梳理问题清单。",
            "办理方案已报分管领导审定，正在组织实施。",
            "已将相关措施纳入年度工作计划，正在推进。"]
CONTACT_SUMMARIES = {
    "before": "就办理思路与代表委员沟通，听取意见建议，代表委员表示认可。",
    "during": "通报办理进展情况，代表委员对阶段性成果表示肯定，并提出进一步意见。",
    "after": "答复后回访代表委员，代表委员对办理工作表示满意。",
}
REPLY_TEXT = ("{name}：\n    您提出的《{title}》收悉。经认真研究，现答复如下：\n"
              "    一、基本情况。近年来，我单位高度重视相关工作，采取了一系列措施，取得一定成效。\n"
              "    二、办理情况。针对您提出的问题，我们会同有关部门进行了深入调研，{action}。\n"
              "    三、下一步工作。我们将认真吸纳您的意见建议，{plan}。\n"
              "    感谢您对我市{category}工作的关心和支持。")
REPLY_ACTIONS = ["已制定专项工作方案并组织实施", "已将相关事项纳入年度重点工作", "已启动前期研究论证",
                 "已安排专项资金予以支持"]
REPLY_PLANS = ["持续跟踪落实，确保取得实效", "进一步完善政策措施，加大推进力度",
               "在条件成熟时予以统筹考虑", "加强部门协同，建立长效机制"]
COMMITMENTS = ["完成项目前期工作并启动建设", "出台配套实施细则", "完成试点并总结推广",
               "将相关经费列入下一年度预算", "开展专项整治行动"]

SESSIONS_OPEN = dt.date(2026, 1, 18)  # the CPPCC session opens; the NPC's two days later

# the demo's office hours (local): each step of the story happens at a minute between these
WORK_START = dt.time(9, 0)
WORK_END = dt.time(17, 30)
WORK_MINUTES = 510

PASSWORDS = {"admin": "Admin#2026", "office": "Office#2026", "handler": "Handler#2026",
             "leader": "Leader#2026", "deputy": "Deputy#2026", "member": "Member#2026",
             "unit": "Unit#2026"}


# --- the story of each item -----------------------------------------------------------------

# Each scenario is how far the item has come; stages that are not installed stop earlier.
SCENARIOS: list[tuple[str, int]] = [
    ("registered", 14),
    ("merged", 3),
    ("pending_receipt", 18),
    ("return_requested", 6),
    ("returned_reassigned", 6),
    ("return_rejected", 3),
    ("handling", 70),
    ("extension", 6),
    ("draft", 8),
    ("awaiting_sign_off", 8),
    ("awaiting_cosign", 6),
    ("awaiting_review", 8),
    ("sent", 22),
    ("evaluated", 14),
    ("dissatisfied", 5),
    ("follow_up", 8),
    ("closed", 12),
]
REPLY_STAGES = ("draft", "awaiting_sign_off", "awaiting_cosign", "awaiting_review", "sent", "evaluated",
                "dissatisfied", "follow_up", "closed")
AFTER_SENT = ("evaluated", "dissatisfied", "follow_up", "closed")


@dataclass
class Plan:
    """How one item will be created and how far it will go."""

    kind: str
    session: Session
    number: str
    topic: tuple[str, str, str, list[str]]
    title: str
    content: str
    tier: str
    is_key: bool
    lead_person: Person
    co_persons: list[Person]
    scenario: str
    mode: str  # sole / lead_co / separate
    units: list[tuple[str, str]] = field(default_factory=list)  # (unit code, role)
    days_ago: int = 0  # assigned this many days before today


@dataclass
class Cast:
    """The people the story needs."""

    admin: User
    office: User
    leaders: list[User]
    handler: dict[str, User]
    unit_leader: dict[str, User]
    units: dict[str, Unit]
    npc: list[Person]
    cppcc: list[Person]
    deputy: Person
    member: Person
    logins: list[tuple[str, str, str]]


class Seeder:
    def __init__(self, rng: random.Random, today: dt.date):
        self.rng = rng  # the items' story
        # names and phone numbers: drawn separately, so a second run (``force``) that finds the
        # people already there tells the same story again
        self.people_rng = random.Random(rng.random())
        self.today = today
        self.names_used: set[str] = set()

    # ---- people and places ----------------------------------------------------------------

    def person_name(self) -> str:
        for _ in range(1000):
            name = self.people_rng.choice(SURNAMES) + self.people_rng.choice(GIVEN)
            if name not in self.names_used:
                self.names_used.add(name)
                return name
        raise RuntimeError("ran out of demo names")

    def phone(self) -> str:
        rng = self.people_rng
        return "1" + rng.choice("3589") + "".join(rng.choice("0123456789") for _ in range(9))

    def user(self, username: str, password: str, role: Role, *, name: str, unit: Unit | None = None,
             title: str = "", person: Person | None = None, actor: User | None = None,
             email: str = "") -> tuple[User, bool]:
        """Get or create a user; the flag says whether ``password`` logs in."""
        existing = User.get_or_none(User.username == username)
        if existing is not None:
            return existing, security.verify_password(existing.password_hash, password)
        user = accounts.create_user(
            username=username, password=password, role=role.value, name=name,
            unit_id=unit.id if unit else None, phone=self.phone(), email=email or f"{username}@example.com",
            title=title, person_id=person.id if person else None, actor=actor)
        return user, True

    def cast(self) -> Cast:
        from tracker.admin.services import create_person

        logins: list[tuple[str, str, str]] = []

        def login(user: User, password: str, works: bool, text: str) -> None:
            logins.append((user.username, password if works else "（已存在，密码未改）", text))

        admin, ok = self.user("admin", PASSWORDS["admin"], Role.ADMIN, name="系统管理员", title="信息中心工程师")
        login(admin, PASSWORDS["admin"], ok, label(Role.ADMIN))
        unit_rows: dict[str, Unit] = {}
        for name, short, code, category in UNITS:
            unit_rows[code] = units.find_unit(name) or units.create_unit(
                name=name, short_name=short, category=category, actor=admin)
        office, ok = self.user("office", PASSWORDS["office"], Role.OFFICE, name="陈静",
                               title="市政府督查室副主任", actor=admin)
        login(office, PASSWORDS["office"], ok, label(Role.OFFICE))
        leaders = []
        for username, name, title in (("leader", "李明华", "副市长"), ("leader2", "王志强", "副市长")):
            user, ok = self.user(username, PASSWORDS["leader"], Role.LEADER, name=name, title=title,
                                 actor=admin)
            leaders.append(user)
            login(user, PASSWORDS["leader"], ok, f"{label(Role.LEADER)}（{title}）")
        for n, unit in enumerate(unit_rows.values()):  # each unit's city leader in charge (分管市领导)
            if unit.city_leader_id is None:
                Unit.update(city_leader=leaders[n % len(leaders)].id).where(Unit.id == unit.id).execute()

        handler: dict[str, User] = {}
        unit_leader: dict[str, User] = {}
        special = {
            "zjj": (("handler", "刘洋", "房地产市场监管科科长", PASSWORDS["handler"]),
                    ("unitlead", "赵建国", "副局长", PASSWORDS["leader"])),
            "jtj": (("cohandler", "孙丽", "综合规划科副科长", PASSWORDS["handler"]),
                    ("coleader", "周伟东", "副局长", PASSWORDS["leader"])),
        }
        for name, short, code, category in UNITS:
            unit = unit_rows[code]
            if code in special:
                (hu, hn, ht, hp), (lu, ln, lt, lp) = special[code]
                handler[code], ok = self.user(hu, hp, Role.UNIT_HANDLER, name=hn, unit=unit, title=ht,
                                              actor=admin)
                login(handler[code], hp, ok, f"{label(Role.UNIT_HANDLER)}（{short}）")
                unit_leader[code], ok = self.user(lu, lp, Role.UNIT_LEADER, name=ln, unit=unit, title=lt,
                                                  actor=admin)
                login(unit_leader[code], lp, ok, f"{label(Role.UNIT_LEADER)}（{short}）")
                continue
            lead_title = {"district": "副区长" if "区人民政府" in name else "副主任"}.get(
                category, "副主任" if name.endswith(("委员会", "委")) else "副局长")
            handler[code], ok_h = self.user(f"{code}_handler", PASSWORDS["unit"], Role.UNIT_HANDLER,
                                            name=self.person_name(), unit=unit, title="办公室副主任",
                                            actor=admin)
            unit_leader[code], ok_l = self.user(f"{code}_leader", PASSWORDS["unit"], Role.UNIT_LEADER,
                                                name=self.person_name(), unit=unit, title=lead_title,
                                                actor=admin)
            if code == "fgw":
                login(handler[code], PASSWORDS["unit"], ok_h,
                      f"{label(Role.UNIT_HANDLER)}（{short}；各单位均有，见“系统管理→用户”）")
                login(unit_leader[code], PASSWORDS["unit"], ok_l,
                      f"{label(Role.UNIT_LEADER)}（{short}；各单位均有，密码相同）")

        npc: list[Person] = []
        cppcc: list[Person] = []

        def person(body: Body, group: str, name: str | None = None) -> Person:
            name = name or self.person_name()
            found = Person.get_or_none((Person.name == name) & (Person.body == body.value)
                                       & (Person.delegation == group))
            return found or create_person(actor=admin, name=name, body=body.value, delegation=group,
                                          phone=self.phone(), email="")

        self.names_used.add("张晓红")
        self.names_used.add("吴文博")
        deputy_person = person(Body.NPC, "东城区代表团", "张晓红")
        member_person = person(Body.CPPCC, "民建", "吴文博")
        npc.append(deputy_person)
        cppcc.append(member_person)
        for n in range(35):
            npc.append(person(Body.NPC, DELEGATIONS[n % len(DELEGATIONS)]))
        for n in range(22):
            cppcc.append(person(Body.CPPCC, SECTORS[n % len(SECTORS)]))
        deputy, ok = self.user("deputy", PASSWORDS["deputy"], Role.SUBMITTER, name="张晓红",
                               title="市人大代表", person=deputy_person, actor=admin)
        login(deputy, PASSWORDS["deputy"], ok, f"{label(Role.SUBMITTER)}（市人大代表张晓红）")
        member, ok = self.user("member", PASSWORDS["member"], Role.SUBMITTER, name="吴文博",
                               title="市政协委员", person=member_person, actor=admin)
        login(member, PASSWORDS["member"], ok, f"{label(Role.SUBMITTER)}（市政协委员吴文博）")
        return Cast(admin, office, leaders, handler, unit_leader, unit_rows, npc, cppcc, deputy_person,
                    member_person, logins)

    def sessions(self, office: User) -> tuple[Session, Session]:
        def get(body: Body, name: str, opened: dt.date, closed: dt.date) -> Session:
            found = Session.get_or_none((Session.body == body.value) & (Session.name == name))
            return found or items.create_session(body=body.value, name=name, year=2026, opened_on=opened,
                                                 closed_on=closed, actor=office)

        npc = get(Body.NPC, "市十七届人大四次会议", SESSIONS_OPEN + dt.timedelta(days=2), dt.date(2026, 1, 24))
        cppcc = get(Body.CPPCC, "市政协十四届四次会议", SESSIONS_OPEN, dt.date(2026, 1, 23))
        return npc, cppcc

    # ---- planning -------------------------------------------------------------------------

    def title(self, template: str, kind: str) -> tuple[str, str | None]:
        """The title, and the district it names (if any)."""
        place = self.rng.choice(PLACES)
        text = template.format(place=place, road=self.rng.choice(ROADS), water=self.rng.choice(WATERS))
        return text + ("建议" if kind == ItemKind.SUGGESTION.value else "提案"), \
            place if "{place}" in template else None

    def content(self, category: str, title: str) -> str:
        problems = self.rng.sample(PROBLEMS[category], 2)
        steps = self.rng.sample(SUGGESTIONS[category], 3)
        place = self.rng.choice(PLACES)
        subject = title.removeprefix("关于").removesuffix("的建议").removesuffix("的提案")
        body = "；".join(f"{ORDINALS[n]}是{s}" for n, s in enumerate(steps))
        return (f"近年来，我市{category}领域各项工作取得积极进展，但在{subject}方面，{place}等地仍存在"
                f"{problems[0]}、{problems[1]}等问题，群众反映较为集中。为此建议：{body}。"
                f"希望有关部门高度重视，切实推动问题解决。")

    def plans(self, cast: Cast, npc: Session, cppcc: Session) -> list[Plan]:
        rng = self.rng
        scenarios = [name for name, n in SCENARIOS for _ in range(n)]
        rng.shuffle(scenarios)
        total = len(scenarios)
        n_npc = round(total * 0.58)
        numbers = {npc.id: _next_number(npc, ItemKind.SUGGESTION.value),
                   cppcc.id: _next_number(cppcc, ItemKind.PROPOSAL.value)}
        titles_seen: set[str] = set()
        plans: list[Plan] = []
        deputy_leads = 0
        for index, scenario in enumerate(scenarios):
            is_npc = index < n_npc
            session = npc if is_npc else cppcc
            kind = ItemKind.SUGGESTION.value if is_npc else ItemKind.PROPOSAL.value
            people = cast.npc if is_npc else cast.cppcc
            # the storyline accounts: 市住建局 leads several items, 市交通局 co-handles them
            storyline = index % 9 == 0
            topics = [t for t in TOPICS if t[2] == "zjj"] if storyline else TOPICS
            if scenario == "awaiting_cosign":
                topics = [t for t in topics if t[3]]  # needs a co unit
            for attempt in range(300):
                topic = rng.choice(topics if attempt < 50 else TOPICS)
                title, place = self.title(topic[1], kind)
                if title not in titles_seen:
                    break
            else:  # pragma: no cover - the templates allow far more titles than items
                raise RuntimeError("演示数据的标题模板不够用")
            titles_seen.add(title)
            mode, tier = self._mode_and_tier(scenario, topic, storyline)
            plan_units = self._units(topic, mode, storyline, DISTRICT_OF.get(place or ""))
            lead_person = rng.choice(people)
            if is_npc and deputy_leads < 8 and index % 7 == 3:
                lead_person = cast.deputy
                deputy_leads += 1
            elif not is_npc and index % 11 == 5:
                lead_person = cast.member
            co_persons = [p for p in rng.sample(people, rng.randint(1, 5)) if p.id != lead_person.id]
            if is_npc and lead_person.id != cast.deputy.id and index % 10 == 4:
                co_persons = [cast.deputy, *[p for p in co_persons if p.id != cast.deputy.id]][:5]
            numbers[session.id] += 1
            plans.append(Plan(
                kind=kind, session=session, number=str(numbers[session.id]), topic=topic, title=title,
                content=self.content(topic[0], title), tier=tier,
                is_key=tier != Tier.DEPARTMENT.value or rng.random() < 0.1,
                lead_person=lead_person, co_persons=co_persons, scenario=scenario, mode=mode,
                units=plan_units, days_ago=self._days_ago(scenario),
            ))
        return plans

    def _mode_and_tier(self, scenario: str, topic: tuple, storyline: bool) -> tuple[str, str]:
        rng = self.rng
        if scenario == "awaiting_cosign" or storyline:
            mode = "lead_co"
        elif scenario in ("registered", "merged"):
            mode = "sole"
        else:
            roll = rng.random()
            mode = "lead_co" if roll < 0.3 and topic[3] else "separate" if roll < 0.4 and topic[3] else "sole"
        if scenario == "awaiting_review":
            tier = rng.choice([Tier.LEADER_LED.value, Tier.OFFICE_SUPERVISED.value])
        else:
            roll = rng.random()
            tier = (Tier.LEADER_LED.value if roll < 0.07 else Tier.OFFICE_SUPERVISED.value if roll < 0.2
                    else Tier.DEPARTMENT.value)
        return mode, tier

    def _units(self, topic: tuple, mode: str, storyline: bool, district: str | None) -> list[tuple[str, str]]:
        lead, cos = topic[2], list(topic[3])
        if district and district not in cos and self.rng.random() < 0.5:
            cos = [district, *cos]  # the district government helps with what happens on its ground
        if storyline:
            cos = ["jtj", *[c for c in cos if c != "jtj"]]
        if mode == "sole" or not cos:
            return [(lead, HandlingRole.SOLE.value)]
        if mode == "separate":
            return [(lead, HandlingRole.SEPARATE.value), (cos[0], HandlingRole.SEPARATE.value)]
        count = 1 if storyline else self.rng.randint(1, min(2, len(cos)))
        return [(lead, HandlingRole.LEAD.value), *[(c, HandlingRole.CO.value) for c in cos[:count]]]

    def _days_ago(self, scenario: str) -> int:
        rng = self.rng
        if scenario in ("registered", "merged"):
            return 0
        if scenario in ("pending_receipt",):
            return rng.randint(0, 8)
        if scenario == "return_requested":  # asked lately, the office has not decided yet
            return rng.randint(1, 4)
        if scenario in ("returned_reassigned", "return_rejected"):
            return rng.randint(3, 10)
        if scenario == "extension":
            # asked for while still early enough: at least the notice period before the date due
            return rng.randint(20, 60)
        if scenario == "handling":
            # due soon, just overdue, overdue by weeks, overdue by months, comfortably in time
            return rng.choice([rng.randint(78, 90), rng.randint(93, 100), rng.randint(105, 130),
                               rng.randint(140, 200), rng.randint(20, 70), rng.randint(20, 70)])
        return rng.randint(60, 130)


def _next_number(session: Session, kind: str) -> int:
    numbers = [int(i.number) for i in Item.select(Item.number).where(
        (Item.session == session.id) & (Item.kind == kind)) if str(i.number).isdigit()]
    return max(numbers, default=0)


# --- carrying out the plans -----------------------------------------------------------------


class Story:
    """Moves each planned item through the services, as far as its scenario and the installed
    modules allow — each step at its own moment in the past (:func:`clock.frozen_at`).

    How an item's dates are laid out (local working hours, 09:00–17:30 at a minute drawn from
    the seeded rng; never on or after the real today, so a run tells the same story all day):

    - received a few days after the session closed; registered within a few working days (the
      items still waiting to be assigned arrived lately and were registered in the last weeks);
    - assigned ``days_ago`` before today (on a working day), 签收 0–3 working days later (most
      units within the 2 working days, a few late); a city leader's 批示 right after assigning;
    - 办前沟通 early in the handling, progress notes and 办中沟通 later, co opinions between,
      extension requests well before the date due and decided 1–3 working days later;
    - the reply pipeline (draft → submit → sign-off → co-sign → office review → sent) over a few
      working days: recent for the replies still in the pipeline; for sent ones it ends at a sent
      date that fits the scenario (``sent``: mostly inside the feedback window, every fifth one
      long enough ago that the window is over and nobody rated it; evaluated and closed ones
      up to months ago), then publication, 办后沟通 and the ratings inside the window,
      re-handling orders, commitments kept, close-out and archive after the ratings.

    Each item's steps are played in the order of their moments, so its audit entries (and
    notifications) are in the order they were written.
    """

    def __init__(self, cast: Cast, rng: random.Random, today: dt.date, now: dt.datetime | None = None):
        self.cast = cast
        self.rng = rng
        self.today = today
        self.office = cast.office
        self.now = now or clock.real_now()
        self.cal = _calendar()
        # the last working day before today: the story's last day, whatever the hour of the run
        self.last_day = deadlines.add_working_days(today, -1, self.cal)
        self.cursor: dt.datetime | None = None  # the moment of the current item's last step
        self.cursors: dict[int, dt.datetime] = {}

    def unit_user(self, code: str) -> User:
        return self.cast.handler[code]

    # ---- time -----------------------------------------------------------------------------

    def clip(self, day: dt.date) -> dt.date:
        return min(day, self.last_day)

    def workdays(self, day: dt.date, n: int) -> dt.date:
        """``n`` working days after ``day`` (before it when negative), never after the last day."""
        return self.clip(deadlines.add_working_days(day, n, self.cal))

    def working_day(self, day: dt.date) -> dt.date:
        """The day itself when it is a working day, else the working day before it."""
        day = self.clip(day)
        return day if self.cal.is_workday(day) else deadlines.add_working_days(day, -1, self.cal)

    def between(self, lo: dt.date, hi: dt.date, f0: float = 0.0, f1: float = 1.0) -> dt.date:
        """A working day from ``lo`` to ``hi`` (``lo`` when ``hi`` is not later), within the
        fractions ``f0``–``f1`` of the working days between them."""
        span = max(0, deadlines.working_days_between(lo, self.clip(hi), self.cal))
        return self.workdays(lo, self.rng.randint(int(span * f0), int(span * f1)))

    def moment(self, day: dt.date) -> dt.datetime:
        """An instant in working hours on ``day`` (local), after the item's previous step and
        never later than the real now."""
        day = self.clip(day)
        start = dt.datetime.combine(day, WORK_START, clock.LOCAL_TZ)
        end = dt.datetime.combine(day, WORK_END, clock.LOCAL_TZ)
        if self.cursor is None or self.cursor < start:
            instant = start + dt.timedelta(minutes=self.rng.randint(0, WORK_MINUTES))
        else:  # another step on the same day (or a step that had to wait for the previous one)
            room = int((end - self.cursor).total_seconds() // 60)
            instant = self.cursor + dt.timedelta(minutes=self.rng.randint(3, max(3, min(room, 90))))
        instant = min(instant.astimezone(dt.UTC), self.now)
        if self.cursor is not None:
            instant = max(instant, self.cursor)
        self.cursor = instant
        return instant

    def at(self, day: dt.date) -> contextlib.AbstractContextManager[dt.datetime]:
        return clock.frozen_at(self.moment(day))

    def run(self, steps: list[tuple[dt.date, Callable[[], Any]]]) -> None:
        """Play steps in the order of their days (steps of one day in the order given)."""
        for day, step in sorted(steps, key=lambda s: s[0]):
            with self.at(day):
                step()

    # ---- registration and assignment ------------------------------------------------------

    def register(self, plan: Plan, received_on: dt.date) -> Item:
        leader = self.cast.leaders[int(plan.number) % len(self.cast.leaders)]
        return items.register_item(
            actor=self.office, kind=plan.kind, session_id=plan.session.id, number=plan.number,
            title=plan.title, content=plan.content, category=plan.topic[0],
            submitters=[{"name": plan.lead_person.name, "role": "lead", "person_id": plan.lead_person.id},
                        *[{"name": p.name, "role": "co", "person_id": p.id} for p in plan.co_persons]],
            is_key=plan.is_key, tier=plan.tier, received_on=received_on,
            leader_id=leader.id if plan.tier == Tier.LEADER_LED.value else None,
        )

    def assign(self, item: Item, plan: Plan, assigned_on: dt.date) -> list[Assignment]:
        created = []
        for code, role in plan.units:
            created.append(self._assign_one(item, code, role, assigned_on))
        return created

    def _assign_one(self, item: Item, code: str, role: str, assigned_on: dt.date,
                    **extra: Any) -> Assignment:
        leader = self.cast.unit_leader[code]
        task = {
            HandlingRole.LEAD.value: "牵头研究办理，汇总会办单位意见，按时答复代表委员",
            HandlingRole.CO.value: "结合本单位职责提出会办意见，按时送主办单位",
            HandlingRole.SEPARATE.value: "就本单位职责范围内的事项研究办理，并分别答复",
            HandlingRole.SOLE.value: "研究办理，按时答复代表委员",
        }[role]
        return assignments.assign(
            item, actor=self.office, unit_id=self.cast.units[code].id, role=role, task=task,
            responsible_leader=f"{leader.name}（{leader.title}）", handler_id=self.cast.handler[code].id,
            assigned_on=assigned_on, **extra)

    def play(self, plan: Plan) -> Item:
        self.cursor = None
        item = self._play(plan)
        if self.cursor is not None:
            self.cursors[item.id] = self.cursor
        return item

    def _play(self, plan: Plan) -> Item:
        rng = self.rng
        received_on = self.clip((plan.session.closed_on or self.today) + dt.timedelta(days=5))
        if plan.scenario in ("registered", "merged"):
            # arrived lately (闭会期间转来) and registered in the last weeks; not assigned yet
            registered = max(received_on, self.working_day(self.last_day - dt.timedelta(days=rng.randint(0, 18))))
            received_on = max(received_on, self.workdays(registered, -rng.randint(0, 3)))
            with self.at(registered):
                return self.register(plan, received_on)
        assigned_on = self.working_day(max(self.today - dt.timedelta(days=plan.days_ago), received_on))
        assigned_on = max(assigned_on, received_on)
        with self.at(min(assigned_on, self.workdays(received_on, rng.randint(0, 4)))):
            item = self.register(plan, received_on)
        with self.at(assigned_on):
            rows = self.assign(item, plan, assigned_on)
        first: list[tuple[dt.date, Callable[[], Any]]] = []
        if _has(instructions, "add_instruction") and plan.tier == Tier.LEADER_LED.value:
            first.append((self.workdays(assigned_on, rng.randint(0, 1)), lambda: instructions.add_instruction(
                item, actor=item.leader, text="请主办单位主要负责同志亲自研究，与代表委员当面沟通，确保办理实效。")))
        if plan.scenario == "pending_receipt":
            self.run(first)
            return item
        if plan.scenario in ("return_requested", "returned_reassigned", "return_rejected"):
            self.run(first)
            self.returns(item, plan, rows[0])
            return item
        received: dict[int, dt.date] = {}
        for a in rows:  # most units sign within the 2 working days, a few a day late
            received[a.id] = self.workdays(assigned_on, rng.choices([0, 1, 2, 3], weights=[40, 35, 17, 8])[0])
            first.append((received[a.id], lambda a=a: assignments.receive(
                a, actor=self.unit_user(plan_code(self.cast, a)))))
        self.run(first)
        self.handle(item, plan, rows, received)
        return item

    # ---- return requests ------------------------------------------------------------------

    def returns(self, item: Item, plan: Plan, a: Assignment) -> None:
        code = plan_code(self.cast, a)
        reason = {
            "returned_reassigned": "该事项主要涉及其他部门职责，建议改由相关部门办理。",
            "return_rejected": "该事项不属于本单位职责范围，申请退回重新交办。",
            "return_requested": "经研究，该件所提事项由区政府负责实施，建议调整承办单位。",
        }[plan.scenario]
        asked = min(self.workdays(a.assigned_on, self.rng.randint(0, 3)), a.return_due)
        with self.at(asked):
            req = assignments.request_return(a, actor=self.unit_user(code), reason=reason, today=clock.today())
        if plan.scenario == "return_requested":
            return
        decided = self.workdays(asked, self.rng.randint(1, 3))
        if plan.scenario == "return_rejected":
            with self.at(decided):
                assignments.decide_return(req, actor=self.office, approve=False,
                                          note="该事项属于贵单位职责范围，请继续办理并按时答复。")
            return
        taken = {u for u, _ in plan.units}
        new_code = next(c for c in [*plan.topic[3], *DISTRICT_OF.values()] if c not in taken)
        leader = self.cast.unit_leader[new_code]
        with self.at(decided):  # reassigned on the day of the decision
            assignments.decide_return(req, actor=self.office, approve=True, note="同意退回，改由相关单位办理。",
                                      reassign_to={"unit_id": self.cast.units[new_code].id,
                                                   "task": "研究办理，按时答复代表委员",
                                                   "responsible_leader": f"{leader.name}（{leader.title}）",
                                                   "handler_id": self.cast.handler[new_code].id})

    # ---- handling and replies (when installed) --------------------------------------------

    def reply_days(self, plan: Plan, handled_from: dt.date) -> tuple[dt.date, dt.date]:
        """(first, last) day of the first answering unit's reply pipeline: recent while the reply
        is in it; for a sent one, the last is the sent date the scenario calls for."""
        rng = self.rng
        earliest = self.workdays(handled_from, 10)  # at least two weeks of handling first
        if plan.scenario not in ("sent", *AFTER_SENT):
            last = self.workdays(self.last_day, -rng.randint(0, 6))
            first = self.workdays(last, -rng.randint(1, 5))
        else:
            lo, hi = {"sent": (1, 12), "evaluated": (3, 60), "dissatisfied": (8, 30),
                      "follow_up": (5, 50), "closed": (20, 70)}[plan.scenario]
            if plan.scenario == "sent" and int(plan.number) % 5 == 0:
                lo, hi = 20, 35  # sent weeks ago and nobody rated: the window is over (征询期已过)
            last = self.workdays(self.last_day, -rng.randint(lo, hi))
            first = self.workdays(last, -rng.randint(3, 8))
        if first < earliest:
            first = earliest
            last = max(last, self.workdays(first, 2))
        return first, last

    def spread(self, first: dt.date, last: dt.date, n: int) -> list[dt.date]:
        """``n`` days in order from ``first`` to ``last`` (both included when n > 1)."""
        if n <= 1:
            return [last] * n
        span = max(0, deadlines.working_days_between(first, last, self.cal))
        middle = sorted(self.rng.randint(0, span) for _ in range(n - 2))
        return [first, *(self.workdays(first, k) for k in middle), max(first, last)]

    def handle(self, item: Item, plan: Plan, rows: list[Assignment], received: dict[int, dt.date]) -> None:
        rng = self.rng
        reached = plan.scenario in REPLY_STAGES
        answering = [a for a in rows if not a.is_co]
        started = max(received.values())
        replying = reached and _has(replies, "draft_reply", "submit_reply", "sign_off")
        first_day, sent = self.reply_days(plan, started) if replying else (self.last_day, self.last_day)
        # the handling itself ends the working day before the reply is drafted
        until = max(started, self.workdays(first_day, -1)) if replying else self.last_day
        steps: list[tuple[dt.date, Callable[[], Any]]] = []
        if _has(handling, "record_contact"):
            for a in answering:
                if reached or rng.random() < 0.55:  # 办前: within the first 15 working days
                    on = self.between(self.workdays(received[a.id], 1), min(until, self.workdays(received[a.id], 15)))
                    method = ("meeting" if item.tier == Tier.LEADER_LED.value
                              else rng.choice(["phone", "meeting", "visit"]))
                    steps.append((on, lambda a=a, on=on, m=method: self.contact(a, "before", m, on)))
                if reached and rng.random() < 0.6:  # 办中: in the second half of the handling
                    on = self.between(received[a.id], until, 0.5, 1.0)
                    method = rng.choice(["phone", "forum", "visit"])
                    steps.append((on, lambda a=a, on=on, m=method: self.contact(a, "during", m, on)))
        if _has(handling, "record_progress") and rng.random() < 0.6:
            for a in rows:
                text = rng.choice(PROGRESS)
                steps.append((self.between(received[a.id], until, 0.2, 0.7), lambda a=a, text=text:
                              handling.record_progress(a, actor=self.unit_user(plan_code(self.cast, a)), text=text)))
        if _has(handling, "submit_co_opinion"):
            for a in rows:
                if a.is_co and (reached or rng.random() < 0.5):
                    on = min(until, max(self.workdays(received[a.id], 1),
                                        self.working_day(a.assigned_on + dt.timedelta(days=rng.randint(10, 40)))))
                    text = (f"经研究，我单位原则同意主办单位的办理思路，建议{rng.choice(SUGGESTIONS[plan.topic[0]])}，"
                            "我单位将积极配合做好相关工作。")
                    steps.append((on, lambda a=a, text=text: handling.submit_co_opinion(
                        a, actor=self.unit_user(plan_code(self.cast, a)), today=clock.today(), text=text)))
        if plan.scenario == "extension" and _has(handling, "request_extension", "decide_extension"):
            steps.extend(self.extension(plan, answering[0], received[answering[0].id]))
        self.run(steps)
        if not replying:
            return
        # The first answering unit carries the scenario; in separate mode the others reply too
        # once the item is meant to be fully replied (each by the first unit's sent date).
        first, others = answering[0], answering[1:]
        steps = self.reply(item, plan, first, plan.scenario, first_day, sent)
        if plan.scenario in ("sent", *AFTER_SENT):
            for a in others:
                own_last = max(first_day, self.workdays(sent, -rng.randint(0, 3)))
                own_first = max(until, self.workdays(own_last, -rng.randint(2, 6)))
                steps += self.reply(item, plan, a, "sent", own_first, own_last)
        self.run(steps)
        if plan.scenario in ("sent", *AFTER_SENT):
            self.after_sent(item, plan, sent)

    def contact(self, a: Assignment, stage: str, method: str, on: dt.date) -> None:
        """A contact on day ``on``, recorded now (the frozen moment: that day or a little later)."""
        if stage == "after":  # not before the reply went out
            on = max(on, handling.reply_sent_on(a))
        handling.record_contact(a, actor=self.unit_user(plan_code(self.cast, a)), stage=stage,
                                method=method, contact_on=min(on, clock.today()), summary=CONTACT_SUMMARIES[stage],
                                participants="代表委员、承办单位经办人")

    def extension(self, plan: Plan, a: Assignment, received: dt.date) -> list[tuple[dt.date, Callable[[], Any]]]:
        """The unit asks well before the date due (10 working days or more, the rule asks 5) and
        the office decides 1–3 working days later (even numbers approved, odd ones pending)."""
        rng = self.rng
        a = Assignment.get_by_id(a.id)
        approve = int(plan.number) % 2 == 0
        latest = deadlines.working_days_before(a.current_due, 10, self.cal)
        hi = min(latest, self.workdays(self.last_day, -rng.randint(3, 8) if approve else -rng.randint(0, 6)))
        lo = self.workdays(received, 2)
        if not approve:  # still pending: asked in the last days
            lo = max(lo, self.workdays(hi, -4))
        asked = max(received, min(self.between(lo, hi), hi))
        wanted = min(a.reply_due_max, a.current_due + dt.timedelta(days=45))
        made: list[Any] = []

        def ask() -> None:
            made.append(handling.request_extension(a, actor=self.unit_user(plan_code(self.cast, a)),
                                                   requested_due=wanted, today=clock.today(),
                                                   reason="涉及项目资金和规划调整，需履行审批程序，申请延期答复。"))

        steps: list[tuple[dt.date, Callable[[], Any]]] = [(asked, ask)]
        if approve:
            steps.append((self.workdays(asked, rng.randint(1, 3)), lambda: handling.decide_extension(
                made[0], actor=self.office, approve=True, reason="同意延期。")))
        return steps

    def reply(self, item: Item, plan: Plan, a: Assignment, stage: str, first_day: dt.date,
              last_day: dt.date) -> list[tuple[dt.date, Callable[[], Any]]]:
        """The steps of one unit's reply, from the draft on ``first_day`` to the last step the
        stage calls for on ``last_day`` (for a sent reply: the day it is sent)."""
        rng = self.rng
        code = plan_code(self.cast, a)
        handler = self.cast.handler[code]
        a = Assignment.get_by_id(a.id)
        klass = rng.choices(["A", "B", "C", "D"], weights=[45, 35, 15, 5])[0]
        commitments = []
        if stage == "follow_up" or (stage == "closed" and rng.random() < 0.6) or (klass == "B" and rng.random() < 0.5):
            # promised in the reply: due a month to half a year after it
            commitments = [{"text": rng.choice(COMMITMENTS),
                            "due_date": (last_day + dt.timedelta(days=rng.randint(30, 200))).isoformat()}]
        text = REPLY_TEXT.format(name=plan.lead_person.name + ("代表" if plan.kind == "suggestion" else "委员"),
                                 title=item.title, action=rng.choice(REPLY_ACTIONS),
                                 plan=rng.choice(REPLY_PLANS), category=plan.topic[0])
        doc_number = f"{self.cast.units[code].short_name}〔2026〕{rng.randint(10, 199)}号"
        cos = [c for c in Assignment.select().where(Assignment.item == item.id)
               if c.is_co and not c.is_void] if a.role == HandlingRole.LEAD.value else []
        review = replies.needs_review(a)
        names = ["draft", "submit", "sign_off", *(["cosign"] * len(cos)), *(["review"] if review else [])]
        stop = {"draft": 1, "awaiting_sign_off": 2, "awaiting_cosign": 2 + len(cos),
                "awaiting_review": 3 + len(cos)}.get(stage, len(names))
        names = names[:stop]
        reply: list[Reply] = []

        def draft() -> None:
            reply.append(replies.draft_reply(
                a, actor=handler, result_class=klass, text=text, commitments=commitments,
                contact_name=handler.name, contact_phone=handler.phone, doc_number=doc_number,
                today=clock.today()))

        def cosign(n: int) -> None:
            co = replies.cosigning_assignments(reply[0].refresh())[n]
            replies.cosign(reply[0].refresh(), actor=self.cast.unit_leader[plan_code(self.cast, co)],
                           decision="approve")

        actions: dict[str, Callable[[], Any]] = {
            "draft": draft,
            "submit": lambda: replies.submit_reply(reply[0].refresh(), actor=handler),
            "sign_off": lambda: replies.sign_off(reply[0].refresh(), actor=self.cast.unit_leader[code],
                                                 decision="approve"),
            "review": lambda: replies.review(reply[0].refresh(), actor=self.office, decision="approve"),
        }
        steps: list[tuple[dt.date, Callable[[], Any]]] = []
        n_cosign = 0
        for day, name in zip(self.spread(first_day, last_day, len(names)), names, strict=True):
            if name == "cosign":
                steps.append((day, lambda n=n_cosign: cosign(n)))
                n_cosign += 1
            else:
                steps.append((day, actions[name]))
        return steps

    def after_sent(self, item: Item, plan: Plan, sent: dt.date) -> None:
        """Publication and 办后沟通 after the reply, then the ratings of every submitter inside
        the feedback window, re-handling after 不满意, commitments kept and close-out — where
        the close-out module is installed."""
        rng = self.rng
        item = item.refresh()
        answering = [a for a in Assignment.select().where(Assignment.item == item.id)
                     if a.is_answering and not a.is_void]
        steps: list[tuple[dt.date, Callable[[], Any]]] = []
        from tracker.replies import publication

        for a in answering:  # most units publish their reply (全文/摘要) and record the day
            for r in Reply.select().where((Reply.assignment == a.id) & (Reply.status == "sent")):
                if r.publish != "none" and rng.random() < 0.7:
                    steps.append((self.workdays(r.sent_on, rng.randint(0, 8)), lambda a=a, r=r: publication.record(
                        r, actor=self.unit_user(plan_code(self.cast, a)), published_on=clock.today())))
        if _has(handling, "record_contact") and rng.random() < 0.5:
            for a in answering:
                on = self.workdays(sent, rng.randint(1, 6))
                steps.append((on, lambda a=a, on=on: self.contact(a, "after", "phone", on)))
        if plan.scenario not in AFTER_SENT or not _has(
                closeout, "closeout_for", "give_feedback", "order_rehandling", "fulfil_commitment", "close_item"):
            self.run(steps)
            return
        co = closeout.closeout_for(item)
        accounts_by_person = {u.person_id: u for u in User.select().where(
            (User.role == Role.SUBMITTER.value) & User.person.is_null(False))}
        rated: list[dt.date] = []

        def rate(sub: Any, unhappy: bool, work: str, result: str, adoption: str, method: str) -> None:
            online = accounts_by_person.get(sub.person_id)
            closeout.give_feedback(
                item, actor=online or self.office, submitter_id=sub.id, work=work, result=result,
                adoption=adoption, contacted=True, contact_method=method,
                comment=("答复对具体问题回应不够，解决措施和时间表不明确，希望重新研究办理。" if unhappy
                         else "承办单位沟通积极，答复认真具体。"))

        for n, sub in enumerate(co.raters):  # each inside the window (15 working days)
            unhappy = plan.scenario == "dissatisfied" and n == 0
            work, result = (("basically_satisfied", "dissatisfied") if unhappy else
                            rng.choice([("satisfied", "satisfied"), ("satisfied", "basically_satisfied"),
                                        ("basically_satisfied", "basically_satisfied")]))
            adoption = "not_now" if unhappy else rng.choice(["adopted", "partly_adopted"])
            method = rng.choice(["meeting", "phone"])
            day = self.workdays(sent, rng.randint(1, 12))
            rated.append(day)
            steps.append((day, lambda s=sub, u=unhappy, w=work, r=result, ad=adoption, m=method:
                          rate(s, u, w, r, ad, m)))
        self.run(steps)
        rated_by = max(rated, default=sent)
        if plan.scenario == "dissatisfied":
            with self.at(self.workdays(rated_by, rng.randint(1, 4))):
                if int(plan.number) % 4 == 0 and _has(closeout, "resolve_dissatisfaction"):
                    unhappy_fb = closeout.closeout_for(item).dissatisfied[0]
                    closeout.resolve_dissatisfaction(
                        unhappy_fb, actor=self.office,
                        reason="经与代表委员沟通，所提事项受规划条件限制暂不具备实施条件，已作说明。")
                else:
                    closeout.order_rehandling(item, actor=self.office,
                                              reason="提出人对办理结果不满意，请进一步研究，拿出具体措施后重新答复。")
            return
        if plan.scenario != "closed":
            return
        steps = []
        for a in answering:
            for c in Commitment.select().where(Commitment.assignment == a.id):
                steps.append((self.workdays(rated_by, rng.randint(1, 5)), lambda a=a, c=c: closeout.fulfil_commitment(
                    c, actor=self.unit_user(plan_code(self.cast, a)), evidence="已按承诺完成，相关文件和现场照片已存档。")))
        self.run(steps)
        closed_on = self.workdays(max([rated_by, *(d for d, _ in steps)]), rng.randint(1, 5))
        with self.at(closed_on):
            closeout.close_item(item, actor=self.office, note="经与人大、政协联络机构对账，予以销号。")
        if int(plan.number) % 3 == 0 and _has(closeout, "archive_item"):
            with self.at(self.workdays(closed_on, rng.randint(1, 10))):
                closeout.archive_item(Item.get_by_id(item.id), actor=self.office)

    def merge(self, child: Item, parent: Item) -> None:
        """并案: after both items' last steps, in the last days."""
        self.cursor = max(self.cursors[child.id], self.cursors[parent.id])
        with self.at(self.last_day):
            merging.merge(child, parent, actor=self.office, note="与主件所提问题相同，并案办理")
        self.cursors[child.id] = self.cursors[parent.id] = self.cursor


def plan_code(cast: Cast, a: Assignment) -> str:
    for code, unit in cast.units.items():
        if unit.id == a.unit_id:
            return code
    raise KeyError(a.unit_id)


def _calendar():
    from tracker.rules import services as rules

    return rules.work_calendar()


# --- the entry point ------------------------------------------------------------------------


def seed(force: bool = False) -> list[tuple[str, str, str]] | None:
    """Create the demo data; None when items exist already (unless ``force``).

    Returns the demo logins as (username, password, role label).
    """
    if Item.select().exists() and not force:
        return None
    rng = random.Random(2026)
    now = clock.real_now()
    today = clock.local_date(now)
    seeder = Seeder(rng, today)
    # the system was set up (units, people, accounts, the sessions) early in January, before
    # the sessions met; the items' stories follow (Story)
    setup = dt.datetime.combine(deadlines.working_days_before(SESSIONS_OPEN, 8, _calendar()), dt.time(9, 30),
                                clock.LOCAL_TZ).astimezone(dt.UTC)
    with db.atomic():
        with clock.frozen_at(min(setup, now)):
            cast = seeder.cast()
        with clock.frozen_at(min(setup + dt.timedelta(minutes=75), now)):
            npc, cppcc = seeder.sessions(cast.office)
        plans = seeder.plans(cast, npc, cppcc)
        story = Story(cast, rng, today, now)
        played: list[tuple[Plan, Item]] = [(plan, story.play(plan)) for plan in plans]
        if _has(merging, "merge"):
            parents = [item for plan, item in played if plan.scenario == "handling"]
            children = [item for plan, item in played if plan.scenario == "merged"]
            for child, parent in zip(children, parents, strict=False):
                parent = parent.refresh()
                if parent.kind != child.kind:
                    parent = next(i for p, i in played if p.scenario == "handling" and i.kind == child.kind)
                story.merge(child, parent)
    return cast.logins
