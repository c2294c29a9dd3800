"""Demo data for the other four regulations: one agency per profile, with its units, officers and
parties of its field, and a case at every stage — registered, filed, investigating (an 询问笔录
with its footage), decided, served, closed and archived.

Everything is made through the actions, as for the labour agency (lawtrail.demo): the steps issue
their own documents (立案审批表, 决定书 with its 文号, 送达回证, 结案审批表), the footage is a real
clip ingested into the vault, and the compliance engine judges each move as it would in real use.
What differs between the agencies is data (this module's AGENCIES); which opinions a filing needs,
how many officers sign a record and whether the party presses a fingerprint come from the profile.
"""

from __future__ import annotations

import datetime as dt
import tempfile
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

from lawtrail.accounts.actions import do_create_agency, do_create_unit, do_create_user
from lawtrail.accounts.choices import Role
from lawtrail.accounts.models import Agency, Unit, User
from lawtrail.cases import actions as ca
from lawtrail.cases import workflow
from lawtrail.cases.choices import ApprovalKind, Stage
from lawtrail.cases.models import Case, Party
from lawtrail.lib import timez
from lawtrail.lib.errors import Conflict
from lawtrail.lib.ids import id_check_char, uscc_check_char

# The stages a demo agency shows, one case each, in the order a case goes through them.
STAGES = ("registered", "filed", "investigating", "decided", "served", "closed", "archived")

# (username, name, unit index or None, roles with scope "unit"/"agency", holds an 执法证)
Person = tuple[str, str, int | None, list[tuple[str, str]], bool]

# The eight roles of a demo agency, in the order every AgencySpec names its people.
ROLES: list[tuple[int | None, list[tuple[str, str]], bool]] = [
    (0, [(Role.OFFICER, "unit"), (Role.HANDLER, "unit")], True),  # 承办人 of the demo cases
    (0, [(Role.OFFICER, "unit")], True),  # the second officer on site
    (1, [(Role.OFFICER, "unit"), (Role.HANDLER, "unit")], True),  # 承办人 of the other unit
    (0, [(Role.HEAD, "unit")], True),  # the unit's 负责人 (承办机构意见)
    (None, [(Role.HEAD, "agency")], True),  # 机关负责人
    (None, [(Role.LEGAL_REVIEWER, "agency")], False),
    (None, [(Role.ARCHIVIST, "agency")], False),
    (None, [(Role.SUPERVISOR, "agency")], False),
]


def av_ticks(case: Case, type_code: str) -> dict[str, list[str]]:
    """What a filmed record of `type_code` states about its footage where the agency's profile asks it
    (how it was filmed, what it dwells on: av_manner, av_focus): the demo's officers did every item."""
    profile = workflow.profile_of(case)
    out: dict[str, list[str]] = {}
    for rule_id, wanted in (("av_manner", "manner"), ("av_focus", "focus")):
        rule = profile.rules.get(rule_id)
        if rule is not None and type_code in rule.values.get("items", ()):
            out[rule_id] = [str(x) for x in rule.values.get(wanted, ())]
    return out

@dataclass(frozen=True)
class Matter:
    """What one kind of violation of the agency's field looks like through a case."""

    title: str
    facts: str
    question: str  # the 询问笔录's key question and the answer
    answer: str
    summary: str  # 调查终结 summary
    kind: str  # "order" (责令改正决定书) or "penalty" (行政处罚决定书)
    decision: str
    basis: str
    evidence: tuple[str, ...]
    penalty: Decimal | None = None
    circumstances: str = ""
    deadline_days: int = 15
    result: str = "当事人已履行决定。"


@dataclass(frozen=True)
class AgencySpec:
    profile_id: str
    name: str
    short_name: str
    abbr: str  # of the 案号: 「{abbr}立〔2026〕第1号」
    units: tuple[str, str]
    cert_prefix: str
    people: tuple[tuple[str, str], ...]  # (username, name), in the order of ROLES
    # (kind, name, code body of 17 characters, legal representative, address)
    parties: tuple[tuple[str, str, str, str, str], ...]
    interviewee: tuple[str, str, str]  # (name, 身份证号 body of 17 digits, relation) when the party is an organisation
    place: str  # where the inquiries are held
    device: str  # the body-cam's serial
    complainant: tuple[str, str, str]  # (name, phone, what the pending complaint says)
    reporter: str  # whose complaint was accepted: the registered case's source
    matters: tuple[Matter, ...]
    # Whether this demo agency shows a 责任追究记录 (one example in the demo is enough).
    accountability_example: bool = False


AGENCIES: tuple[AgencySpec, ...] = (
    AgencySpec(
        profile_id="commission-rules", name="名山区卫生健康委员会", short_name="名卫健", abbr="名卫健",
        units=("医疗卫生监督科", "公共卫生监督科"), cert_prefix="川卫监",
        people=(("wuhao", "吴昊"), ("zhengyu", "郑宇"), ("fengxue", "冯雪"), ("hanmei", "韩梅"),
                ("xuming", "徐明"), ("songjia", "宋佳"), ("tangli", "唐莉"), ("caojun", "曹军")),
        parties=(("organisation", "名山区康宁诊所", "52511803MA6B3K7P2", "林康宁", "名山区蒙阳镇新华路 21 号"),
                 ("organisation", "名山区仁和口腔诊所", "52511803MA6C8R4T1", "黄仁和", "名山区蒙阳镇健康路 9 号"),
                 ("person", "刘德明", "51180319680923141", "", "名山区红星镇")),
        interviewee=("林康宁", "51180319720418232", "负责人"), place="名山区卫生健康委员会询问室",
        device="DSJ-WJ-01",
        complainant=("张丽华", "13800000101", "反映康宁诊所由无执业证书人员为其输液。"), reporter="赵雅婷",
        matters=(
            Matter(title="使用非卫生技术人员从事医疗卫生技术工作",
                   facts="监督检查发现该诊所安排未取得执业资格的人员从事输液等护理工作。",
                   question="问:为患者输液的王某是否取得护士执业证书?",
                   answer="答:王某还在考证,暂时没有执业证书。",
                   summary="经现场检查、询问负责人并调取排班表,使用非卫生技术人员的事实清楚。",
                   kind="penalty", decision="责令限期改正,并处罚款 5,000 元。",
                   basis="《医疗机构管理条例》第二十七条、第四十七条", penalty=Decimal("5000"),
                   evidence=("现场检查笔录", "询问笔录", "护理人员排班表"),
                   circumstances="当事人积极配合调查并已辞退该人员,依法从轻处罚。",
                   result="当事人已缴纳罚款。"),
            Matter(title="未按规定处置医疗废物",
                   facts="监督检查发现该诊所将医疗废物与生活垃圾混放。",
                   question="问:诊所的医疗废物如何收集和交接?",
                   answer="答:平时由保洁员收集,和生活垃圾一起放在后门,交接登记没有做。",
                   summary="经现场检查、询问负责人,未分类收集医疗废物、未登记交接属实。",
                   kind="order", decision="责令立即分类收集医疗废物,并于 10 日内建立交接登记制度。",
                   basis="《医疗废物管理条例》第十六条、第四十七条",
                   evidence=("现场检查笔录", "询问笔录", "现场照片"), deadline_days=10,
                   result="当事人已按期改正,复查合格。"),
        ),
        accountability_example=True,
    ),
    AgencySpec(
        profile_id="safety-production", name="名山区应急管理局", short_name="名应急", abbr="名应急",
        units=("安全生产执法一中队", "安全生产执法二中队"), cert_prefix="川应急",
        people=(("yangfan", "杨帆"), ("zhujie", "朱杰"), ("qinlan", "秦岚"), ("heping", "何平"),
                ("luoyi", "罗毅"), ("xiemin", "谢敏"), ("panyue", "潘悦"), ("duqiang", "杜强")),
        parties=(("organisation", "名山区恒通化工贸易有限公司", "91511803MA6D2M5Q8", "钱恒通",
                  "名山区工业园区化工路 3 号"),
                 ("organisation", "名山区安达危险品仓储有限公司", "91511803MA6E7N1R3", "孔安达",
                  "名山区工业园区物流大道 12 号"),
                 ("organisation", "名山区鑫源加油站", "91511803MA6F4P8T6", "严鑫源", "名山区蒙阳镇 318 国道旁")),
        interviewee=("钱恒通", "51180319750711263", "法定代表人"), place="名山区应急管理局询问室",
        device="DSJ-YJ-01",
        complainant=("匿名", "13800000201", "举报恒通化工在居民区附近的仓库存放油漆、稀释剂等危险化学品。"),
        reporter="孙国栋",
        matters=(
            Matter(title="危险化学品未在专用仓库储存",
                   facts="执法检查发现该公司将甲苯、乙酸乙酯等危险化学品存放于普通库房,未设专用仓库。",
                   question="问:库房内的甲苯等危险化学品为何未存放在专用仓库?",
                   answer="答:专用仓库在改造,临时放在普通库房,已经放了两个月。",
                   summary="经现场检查、询问法定代表人并调取出入库台账,违法储存危险化学品的事实清楚。",
                   kind="penalty", decision="责令改正,并处罚款 50,000 元。",
                   basis="《危险化学品安全管理条例》第二十四条、第八十条", penalty=Decimal("50000"),
                   evidence=("现场检查笔录", "询问笔录", "危险化学品出入库台账", "现场照片"),
                   circumstances="当事人当场停止违法行为并转移危险化学品,依法从轻处罚。",
                   result="当事人已缴纳罚款,危险化学品已移入专用仓库。"),
            Matter(title="未按规定设置安全警示标志",
                   facts="执法检查发现储罐区未设置明显的安全警示标志,应急器材配备不足。",
                   question="问:储罐区的安全警示标志和应急器材由谁负责?",
                   answer="答:由安全员负责,标志牌被风刮坏后还没有补上。",
                   summary="经现场检查、询问安全员,未设置安全警示标志的事实清楚。",
                   kind="order", decision="责令于 7 日内在储罐区设置明显的安全警示标志,补足应急器材。",
                   basis="《中华人民共和国安全生产法》第三十五条、第九十九条",
                   evidence=("现场检查笔录", "询问笔录", "现场照片"), deadline_days=7,
                   result="当事人已按期改正,复查合格。"),
        ),
    ),
    AgencySpec(
        profile_id="agriculture", name="名山区农业农村局", short_name="名农执", abbr="名农执",
        units=("农业综合执法一中队", "农业综合执法二中队"), cert_prefix="川农执",
        people=(("majun", "马骏"), ("huling", "胡玲"), ("guoqing", "郭庆"), ("linfeng", "林峰"),
                ("gaoyan", "高岩"), ("liangyu", "梁玉"), ("lvping", "吕萍"), ("jiangtao", "江涛")),
        parties=(("organisation", "名山区丰收农资经营部", "92511803MA6G5Q2X7", "周丰收", "名山区永兴镇农贸街 15 号"),
                 ("organisation", "名山区绿野植保专业合作社", "93511803MA6H3R9Y4", "罗绿野", "名山区中峰镇白马村"),
                 ("person", "周建华", "51180319800215351", "", "名山区车岭镇")),
        interviewee=("周丰收", "51180319790306172", "经营者"), place="名山区农业综合行政执法大队询问室",
        device="DSJ-NY-01",
        complainant=("陈大勇", "13800000301", "反映在丰收农资购买的除草剂使用后茶苗大面积枯死。"), reporter="李春生",
        matters=(
            Matter(title="未按规定建立农药购销台账",
                   facts="执法检查发现该农药经营部未建立农药采购、销售台账。",
                   question="问:你店农药的进货和销售有没有记录台账?",
                   answer="答:进货有单据,销售没有记,台账一直没建。",
                   summary="经现场检查、询问经营者并抽查库存农药,未建立购销台账的事实清楚。",
                   kind="penalty", decision="责令改正,并处罚款 2,000 元。",
                   basis="《农药管理条例》第二十四条、第五十八条", penalty=Decimal("2000"),
                   evidence=("现场检查笔录", "询问笔录", "库存农药清单"),
                   circumstances="当事人初次违法且积极改正,依法从轻处罚。",
                   result="当事人已缴纳罚款并建立购销台账。"),
            Matter(title="经营标签不符合规定的农药",
                   facts="执法检查发现该经营部销售的一批除草剂标签未标注农药登记证号。",
                   question="问:这批除草剂是从哪里进的货?标签上为什么没有登记证号?",
                   answer="答:是外地业务员送来的,标签我们没有仔细看。",
                   summary="经现场检查、询问经营者并抽样送检,经营标签不符合规定农药的事实清楚。",
                   kind="order", decision="责令立即停止销售该批农药,并于 15 日内召回已售出的农药。",
                   basis="《农药管理条例》第五十七条",
                   evidence=("现场检查笔录", "询问笔录", "农药标签照片"),
                   result="当事人已停止销售并召回已售农药。"),
        ),
    ),
    AgencySpec(
        profile_id="housing-construction", name="名山区住房和城乡建设局", short_name="名住建", abbr="名住建",
        units=("建设工程执法一中队", "建设工程执法二中队"), cert_prefix="川住建",
        people=(("denghui", "邓辉"), ("xiaoyu", "肖宇"), ("caiyun", "蔡云"), ("penggang", "彭刚"),
                ("zengli", "曾丽"), ("yuanhao", "袁浩"), ("sufang", "苏芳"), ("qianlei", "钱磊")),
        parties=(("organisation", "四川蜀建建设工程有限公司", "91511803MA6J8T3K5", "邹蜀建",
                  "名山区蒙阳镇滨河路 66 号"),
                 ("organisation", "名山区锦城房地产开发有限公司", "91511803MA6K2U7L9", "魏锦城",
                  "名山区蒙阳镇锦城大道 1 号"),
                 ("organisation", "名山区华宇建筑劳务有限公司", "91511803MA6L6W4M2", "贺华宇",
                  "名山区新店镇长春路 8 号")),
        interviewee=("邹蜀建", "51180319710809295", "项目负责人"), place="名山区住房和城乡建设局询问室",
        device="DSJ-ZJ-01",
        complainant=("李秀英", "13800000401", "反映锦城花园工地脚手架无防护网,砖块掉落到人行道。"), reporter="王建军",
        matters=(
            Matter(title="施工现场未采取安全防护措施",
                   facts="执法检查发现锦城花园项目 5 号楼外脚手架未挂设安全防护网,临边洞口无防护栏杆。",
                   question="问:5 号楼外脚手架为什么没有挂设安全防护网?",
                   answer="答:防护网在更换,拆了以后新的还没到货,工人就先施工了。",
                   summary="经现场检查、询问项目负责人并调取安全检查记录,未采取安全防护措施的事实清楚。",
                   kind="penalty", decision="责令限期改正,并处罚款 50,000 元。",
                   basis="《建设工程安全生产管理条例》第二十八条、第六十四条", penalty=Decimal("50000"),
                   evidence=("现场检查笔录", "询问笔录", "施工现场照片", "项目安全检查记录"),
                   circumstances="当事人当日停工整改,依法从轻处罚。",
                   result="当事人已缴纳罚款,防护设施复查合格。"),
            Matter(title="未在危险部位设置安全警示标志",
                   facts="执法检查发现基坑边缘和塔吊作业区未设置明显的安全警示标志。",
                   question="问:基坑边缘和塔吊作业区的警示标志由谁负责设置?",
                   answer="答:由项目安全员负责,这几天赶工期,还没来得及设置。",
                   summary="经现场检查、询问项目负责人,未设置安全警示标志的事实清楚。",
                   kind="order", decision="责令于 5 日内在基坑边缘和塔吊作业区设置明显的安全警示标志。",
                   basis="《建设工程安全生产管理条例》第二十八条、第六十二条",
                   evidence=("现场检查笔录", "询问笔录", "施工现场照片"), deadline_days=5,
                   result="当事人已按期改正,复查合格。"),
        ),
    ),
)

PROFILE_IDS = tuple(spec.profile_id for spec in AGENCIES)

# One sample of each text record an agency's regulation asks it to keep (lawtrail/registers), by
# kind: its title and text; which kinds an agency keeps is its profile's.
SAMPLE_RECORDS: dict[str, tuple[str, str]] = {
    "inspection_plan": ("{year}年度行政执法监督检查计划",
                        "一、检查重点:辖区内重点生产经营单位;二、检查频次:每季度不少于一次;三、检查方式:"
                        "日常巡查与专项检查相结合,全程使用执法记录仪。"),
    "supervision_notice": ("关于开展{year}年度全过程记录督导检查的通知",
                           "定于本年第二季度对各执法单位全过程记录制度落实情况开展督导检查,重点检查执法文书、"
                           "音像资料的制作、归档和保存。"),
    "complaint_letter": ("举报信件", "反映被举报单位存在违法行为,请求依法查处。"),
    "leader_instruction": ("领导批示", "请一中队依法核查,并于十五日内报告核查结果。"),
    "guidance": ("{year}年度全过程记录工作指导意见",
                 "各执法部门应当按照本细则制作执法文书、开展音像记录,法制机构每半年抽查一次。"),
    "implementing_rules": ("{unit}全过程记录实施细则",
                           "第一条 为落实行政执法全过程记录制度,结合本单位实际,制定本细则。第二条 ……"),
    "storage_supervision": ("{year}年第一季度执法记录存储内容监督检查",
                            "抽查存储设备中的音像资料,命名、关联完整,未发现删改。"),
    "evidence_explanation": ("询问录像作为证据使用的说明",
                             "本录像为执法记录仪询问时拍摄的原始录像,未经剪辑;已按视听资料证据的规定刻录光盘一份附卷。"),
}


def spec_of(profile_id: str) -> AgencySpec:
    return next(spec for spec in AGENCIES if spec.profile_id == profile_id)


def people_of(spec: AgencySpec) -> list[Person]:
    return [(username, name, unit, roles, cert) for (username, name), (unit, roles, cert) in zip(spec.people, ROLES,
                                                                                                 strict=True)]


def _code(kind: str, body: str) -> dict[str, str]:
    if kind == "person":
        return {"id_number": body + id_check_char(body)}
    return {"uscc": body + uscc_check_char(body)}


def load_agency(spec: AgencySpec, *, password: str, handwriting: Any, serve: Any) -> Agency:
    """Create the agency, its people and parties, and walk one case to each stage.

    `handwriting(seed)` gives a tablet signature; `serve(case, recipient=…, actor=…)` serves the
    decision document and has the recipient sign its receipt (both shared with the labour demo)."""
    # Checked before anything is made: an agency left half-loaded would be skipped by the next run.
    taken = sorted(User.objects.filter(username__in=[u for u, _ in spec.people]).values_list("username", flat=True))
    if taken:
        raise Conflict("demo_username_taken", f"演示账号 {'、'.join(taken)} 已被本系统其他用户使用,"
                                              f"未载入「{spec.name}」的演示数据")
    agency = do_create_agency(
        name=spec.name, short_name=spec.short_name, profile_id=spec.profile_id,
        case_number_format=f"{spec.abbr}立〔{{year}}〕第{{seq}}号",
        simple_case_number_format=f"{spec.abbr}简〔{{year}}〕第{{seq}}号", actor=None,
    )
    units = [do_create_unit(agency, name=name, actor=None) for name in spec.units]
    staff: list[User] = []
    for i, (username, name, unit_ix, roles, cert) in enumerate(people_of(spec), start=1):
        unit = units[unit_ix] if unit_ix is not None else None
        staff.append(do_create_user(
            username=username, password=password, full_name=name, agency=agency, unit=unit,
            roles=[(r, unit if scope == "unit" else None) for r, scope in roles],
            cert_no=f"{spec.cert_prefix}2026{i:03d}" if cert else None,
            cert_valid_from=dt.date(2024, 1, 1) if cert else None,
            cert_valid_until=dt.date(2029, 12, 31) if cert else None, actor=None,
        ))
    demo = _Demo(spec, agency, units, staff, handwriting, serve)
    demo.load()
    return agency


class _Demo:
    """One agency's demo cases, made in the order of STAGES."""

    def __init__(self, spec: AgencySpec, agency: Agency, units: list[Unit], staff: list[User], handwriting: Any,
                 serve: Any) -> None:
        self.spec, self.agency, self.units = spec, agency, units
        self.handler, self.partner, self.other, self.unit_head, self.head, self.legal, self.archivist, \
            self.supervisor = staff
        self.handwriting, self.serve = handwriting, serve
        self.now = timez.now().replace(second=0, microsecond=0)

    def load(self) -> None:
        spec = self.spec
        self.parties = [
            ca.do_create_party(kind=kind, name=name, legal_representative=rep, address=address,
                               actor=self.handler, **_code(kind, body))
            for kind, name, body, rep, address in spec.parties
        ]
        # A complaint waiting to be examined.
        name, phone, facts = spec.complainant
        complaint = ca.do_register_complaint(unit=self.units[0], kind="report" if name == "匿名" else "complaint",
                                 respondent=self.parties[0], complainant_name=name, complainant_phone=phone,
                                 anonymous=name == "匿名", facts=facts, actor=self.handler)
        with tempfile.TemporaryDirectory() as folder:
            self.folder = Path(folder)
            for n, stage in enumerate(STAGES):
                self._case_at(n, stage)
        self._accountability()
        self._text_records(complaint)

    def _accountability(self) -> None:
        """One 责任追究记录 where the regulation has the article (its profile carries it): the
        supervisor's finding against the other unit's officer, and the outcome the text names first."""
        from lawtrail.accountability.actions import accountability_rule, do_record_accountability

        rule = accountability_rule(self.spec.profile_id)
        if rule is None or not self.spec.accountability_example:
            return
        do_record_accountability(
            officer=self.other, situation=str(rule.values["situations"][0]),
            finding="日常监督检查发现,该执法人员在一次现场检查中未开启执法记录仪,也未说明理由。",
            outcome=str(rule.values["outcomes"][0]), outcome_note="限期 10 日内补正相关记录并作出书面说明。",
            decided_by_name=self.head.display_name, decided_on=timez.beijing(self.now).date(), actor=self.supervisor)

    def _text_records(self, complaint: Any) -> None:
        """One of each text record the regulation asks the agency to keep (its profile's kinds), by
        whoever keeps it: the head the agency's, each unit's rules, the legal office the storage
        supervision, the handler the explanation of a recording used as evidence in an open case."""
        from lawtrail.evidence.models import Evidence
        from lawtrail.registers.actions import do_register_text_record
        from lawtrail.registers.queries import kinds_for

        today = timez.beijing(self.now).date()
        for kind in kinds_for(self.spec.profile_id):
            title, content = SAMPLE_RECORDS[kind]
            title = title.replace("{year}", str(today.year))
            keep: dict[str, Any] = {"kind": kind, "content": content, "dated": min(dt.date(today.year, 1, 10), today),
                                    "issuer": self.agency.name, "title": title, "actor": self.head}
            if kind == "implementing_rules":
                for unit in self.units:
                    do_register_text_record(**{**keep, "title": title.replace("{unit}", unit.name), "unit": unit})
                continue
            if kind == "storage_supervision":
                keep["actor"] = self.legal
            elif kind == "complaint_letter":
                keep.update(complaint=complaint, issuer=complaint.complainant_name or "匿名")
            elif kind == "leader_instruction":
                keep.update(complaint=complaint, issuer=self.head.display_name)
            elif kind == "evidence_explanation":
                clip = (Evidence.objects.filter(case__agency=self.agency).exclude(case__stage=Stage.ARCHIVED)
                        .select_related("case").order_by("pk").first())
                if clip is None or clip.case is None:
                    continue
                keep.update(case=clip.case, evidence=clip, medium="光盘 1 张", dated=today,
                            issuer=self.handler.display_name, actor=self.handler)
            do_register_text_record(**keep)

    def _case_at(self, n: int, stage: str) -> Case:
        matter = self.spec.matters[n % len(self.spec.matters)]
        party = self.parties[n % len(self.parties)]
        target = STAGES.index(stage)
        if n == 0:
            # Registered from a complaint accepted, waiting for the filing opinions.
            phone = self.spec.complainant[1]
            complaint = ca.do_register_complaint(
                unit=self.units[0], kind="complaint", respondent=party, complainant_name=self.spec.reporter,
                complainant_phone=phone[:-1] + "9", facts=matter.facts, actor=self.handler)
            ca.do_issue_complaint_receipt(complaint, actor=self.handler)
            ca.do_decide_complaint(complaint, outcome="accepted", title=matter.title, handler=self.handler,
                                   handler_opinion="线索具体,建议立案调查。", actor=self.handler)
            return complaint.cases.get()
        case = ca.do_register_case(unit=self.units[0], title=matter.title, source="inspection", party=party,
                                   facts=matter.facts, handler=self.handler, officers=[self.partner],
                                   handler_opinion="事实基本清楚,建议立案调查。", actor=self.handler)
        for kind in workflow.missing_filing_approvals(case, workflow.profile_of(case)):
            approver = self.unit_head if kind == ApprovalKind.FILING_UNIT_HEAD else self.head
            ca.do_give_approval(case, kind=kind, approved=True, opinion="同意立案。", actor=approver)
        if target < STAGES.index("investigating"):
            return self._fresh(case)
        case = self._fresh(case)
        ca.do_transition_case(case, to=Stage.INVESTIGATING, actor=self.handler)
        # The demo's history is compressed into the moment it is loaded: each case's inquiry took
        # place within the last two hours, a quarter of an hour apart (one body-cam records them one
        # after another), and its footage is stored at once, as 存储时限 asks.
        started = timez.beijing(self.now - dt.timedelta(minutes=15 * (len(STAGES) + 1 - n) + 12))
        self._inquiry(self._fresh(case), party, matter, started)
        if target < STAGES.index("decided"):
            return self._fresh(case)
        steps = [
            lambda c: ca.do_transition_case(c, to=Stage.REVIEWING, fields={"investigation_summary": matter.summary},
                                            actor=self.handler),
            lambda c: ca.do_record_decision(c, kind=matter.kind, text=matter.decision, basis=matter.basis,
                                            penalty_amount=matter.penalty, document_fields=self._decision_fields(matter),
                                            actor=self.handler),
            lambda c: ca.do_give_approval(c, kind=ApprovalKind.LEGAL_REVIEW, approved=True,
                                          opinion="事实清楚,证据确凿,适用依据正确,程序合法。", actor=self.legal),
            lambda c: ca.do_give_approval(c, kind=ApprovalKind.DECISION_HEAD, approved=True, opinion="同意。",
                                          actor=self.head),
        ]
        if target >= STAGES.index("served"):
            steps += [
                lambda c: ca.do_transition_case(c, to=Stage.SERVING, actor=self.handler),
                lambda c: self.serve(c, recipient=self._recipient(party), actor=self.handler),
                lambda c: self._follow_up(c, matter),
            ]
        if target >= STAGES.index("closed"):
            steps.append(lambda c: ca.do_transition_case(c, to=Stage.CLOSED, fields={"execution_result": matter.result},
                                                         actor=self.handler))
        for step in steps:
            step(self._fresh(case))
        case = self._fresh(case)
        if stage == "archived":
            from lawtrail.archive.actions import do_assemble_case_file, do_bind_case_file

            case_file = do_assemble_case_file(case, notes="本卷文书、音像资料齐全。", actor=self.handler)
            do_bind_case_file(case_file, note="齐全完整,同意装订归档。", actor=self.archivist)
            case = self._fresh(case)
        return case

    def _follow_up(self, case: Case, matter: Matter) -> Case:
        """决定后的跟进, where the regulation asks for it (its profile carries the check): a 责令改正's
        期限 and its 复查, and the check of the party's 履行情况, before the case is closed."""
        if "follow_up_checks" not in workflow.profile_of(case).rules:
            return case
        now = timez.now()
        today = timez.beijing(now).date()
        if matter.kind == "order":
            ca.do_schedule_follow_up(case, kind="rectification", due_on=today + dt.timedelta(days=matter.deadline_days),
                                     actor=self.handler)
            ca.do_record_follow_up(case, kind="rectification", checked_at=now, fulfilled=True,
                                   result="复查:" + matter.result, actor=self.handler)
        ca.do_record_follow_up(case, kind="performance", checked_at=now, fulfilled=True, result=matter.result,
                               actor=self.handler)
        return case

    @staticmethod
    def _fresh(case: Case) -> Case:
        case.refresh_from_db()
        return case

    def _recipient(self, party: Party) -> str:
        return party.legal_representative or party.name

    def _decision_fields(self, matter: Matter) -> dict[str, Any]:
        fields: dict[str, Any] = {"evidence": list(matter.evidence)}
        if matter.kind == "order":
            fields["deadline_on"] = (timez.beijing(self.now) + dt.timedelta(days=matter.deadline_days)).date().isoformat()
        if matter.circumstances:
            fields["circumstances"] = matter.circumstances
        return fields

    def _inquiry(self, case: Case, party: Party, matter: Matter, started: dt.datetime) -> None:
        """The 询问笔录, signed by both officers and the interviewee, and the body-cam footage of it."""
        from lawtrail.documents import actions as da
        from lawtrail.documents.signing import slot_states

        minutes = 12
        ended = started + dt.timedelta(minutes=minutes)
        if party.kind == "person":
            interviewee, relation, id_number = party.name, "当事人本人", party.id_number
        else:
            interviewee, id_body, relation = self.spec.interviewee
            id_number = id_body + id_check_char(id_body)
        doc = da.do_create_document(case, type_code="inquiry_record", fields={
            "started_at": started.isoformat(), "ended_at": ended.isoformat(), "place": self.spec.place,
            "credentials_shown": "已出示执法证件", "interviewee": interviewee, "interviewee_id": id_number,
            "interviewee_relation": relation, "rights_told": "已告知陈述、申辩和申请回避的权利",
            "transcript": f"{matter.question}\n{matter.answer}\n问:以上记录是否属实?\n答:属实。",
            **av_ticks(case, "inquiry_record"),
        }, actor=self.handler)
        doc = da.do_issue_document(doc, actor=self.handler)
        for officer in (self.handler, self.partner):
            da.do_sign_document(doc, slot="officers", actor=officer)
        for state in slot_states(doc):
            if state.slot.role == "party" and not state.complete:
                da.do_record_hand_signature(doc, slot=state.slot.key, name=interviewee, image=self.handwriting(1),
                                            fingerprint=state.slot.fingerprint, actor=self.handler)
        record_footage(case, officer=self.handler, device=self.spec.device, started=started, minutes=minutes,
                       folder=self.folder)


def record_footage(case: Case, *, officer: User, device: str, started: dt.datetime, minutes: int,
                   folder: Path) -> Any:
    """The body-cam's recording of an act, made by ffmpeg and ingested into the case as the officer
    docks the camera: its time comes from the file, so the compliance engine pairs it with the record
    whose start and end it spans. One frame a second at 96×64 keeps a long clip tiny and quick."""
    from lawtrail.evidence.ingest import ingest_staged
    from lawtrail.evidence.staging import stage_file
    from lawtrail.storage import get_store
    from lawtrail.testing.media import make_clip

    name = f"{device}_{timez.beijing(started):%Y%m%d%H%M%S}.mp4"
    path = make_clip(folder / name, seconds=minutes * 60, fps=1, size=(96, 64), created=started, audio=False)
    staged = stage_file(path, get_store().staging_dir())
    return ingest_staged(staged, name=name, case=case, officer=officer, device_serial=device, channel="demo",
                         actor=officer)
