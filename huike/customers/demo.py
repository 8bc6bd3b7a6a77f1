"""Sample customers and contacts of the demo company (SPEC.md, DEMO).

Deterministic: the same names, phones and owners on every install, so docs, screenshots and
acceptance checks can name them (上海浦东发展银行, owned by rep_east1, primary contact 江总).
Every record is created through ``services`` with its owner as the actor, so rights,
derived keys, numbering and the operation log are exactly what a user would produce.

Loading twice creates nothing: a customer whose name key already exists (live or in the
recycle bin) is skipped with its contacts, so an admin's edits and deletions are kept.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any, NamedTuple

from huike.core.text import normalise_company_name

from . import services
from .models import Customer

#: city -> (province, city, office-phone area code, post code)
CITIES: dict[str, tuple[str, str, str, str]] = {
    "上海": ("上海市", "上海市", "021", "200000"),
    "杭州": ("浙江省", "杭州市", "0571", "310000"),
    "苏州": ("江苏省", "苏州市", "0512", "215000"),
    "南京": ("江苏省", "南京市", "025", "210000"),
    "北京": ("北京市", "北京市", "010", "100000"),
    "天津": ("天津市", "天津市", "022", "300000"),
    "石家庄": ("河北省", "石家庄市", "0311", "050000"),
}


class DemoContact(NamedTuple):
    name: str
    title: str
    department: str
    role: str  # Contact.Role value
    mobile: str
    gender: str


class DemoCustomer(NamedTuple):
    owner: str
    name: str
    city: str
    district: str
    address: str
    industry: str
    type: str
    source: str
    level: str
    capital_wan: int  # registered capital in 10,000 CNY (万元), as Chinese records state it
    staff: int
    website: str
    phone: str  # office phone without the area code
    mobile: str
    contacts: tuple[DemoContact, ...]


DM, INF, USR = "decision_maker", "influencer", "user"
M, F = "male", "female"


def _c(name: str, title: str, dept: str, role: str, mobile: str, gender: str) -> DemoContact:
    return DemoContact(name, title, dept, role, mobile, gender)


#: The first contact of each customer is its primary contact.
# fmt: off
CUSTOMERS: tuple[DemoCustomer, ...] = (
    # -- 华东销售组 ----------------------------------------------------------------------
    DemoCustomer(
        "rep_east1", "上海浦东发展银行", "上海", "黄浦区", "中山东一路12号",
        "finance", "vip", "referral", "a", 2935208, 63000, "www.spdb.com.cn",
        "61618888", "13916618801",
        (
            _c("江总", "副总", "总行办公室", DM, "13809228860", M),
            _c("王经理", "信息科技部经理", "信息科技部", INF, "13916618802", M),
            _c("李主任", "采购主任", "集中采购中心", USR, "13916618803", F),
        ),
    ),
    DemoCustomer(
        "rep_east1", "上海明远精密机械有限公司", "上海", "闵行区", "莘庄工业区春东路508号",
        "manufacturing", "regular", "exhibition", "b", 5000, 320, "www.mingyuan-jm.com.cn",
        "64891230", "13917720431",
        (
            _c("周总", "总经理", "总经理办公室", DM, "13917720431", M),
            _c("孙工", "设备主管", "设备部", USR, "13917720432", M),
        ),
    ),
    DemoCustomer(
        "rep_east1", "上海华信数据科技有限公司", "上海", "徐汇区", "漕河泾开发区宜山路700号",
        "it", "partner", "online", "a", 3000, 180, "www.huaxindata.com.cn",
        "54263380", "13918835562",
        (
            _c("吴总监", "技术总监", "研发中心", DM, "13918835562", M),
            _c("郑经理", "商务经理", "商务部", INF, "13918835563", F),
        ),
    ),
    DemoCustomer(
        "rep_east1", "杭州西溪医疗器械有限公司", "杭州", "余杭区", "五常街道文一西路998号",
        "healthcare", "regular", "telemarketing", "b", 2000, 150, "www.xixi-med.com.cn",
        "88730215", "13957190326",
        (_c("何经理", "采购经理", "采购部", DM, "13957190326", F),),
    ),
    DemoCustomer(
        "rep_east1", "杭州云帆网络科技有限公司", "杭州", "滨江区", "长河街道江南大道3850号",
        "it", "regular", "online", "b", 1000, 85, "www.yunfan-net.com.cn",
        "86695127", "13958124470",
        (
            _c("林总", "创始人兼CEO", "总裁办", DM, "13958124470", M),
            _c("许工", "运维主管", "运维部", USR, "13958124471", M),
        ),
    ),
    DemoCustomer(
        "rep_east1", "苏州博远电子有限公司", "苏州", "工业园区", "星湖街328号创意产业园5号楼",
        "manufacturing", "regular", "exhibition", "b", 8000, 560, "www.boyuan-elec.com.cn",
        "62881745", "13962157718",
        (
            _c("顾总", "副总经理", "总经理办公室", DM, "13962157718", M),
            _c("沈经理", "IT经理", "信息部", INF, "13962157719", F),
        ),
    ),
    DemoCustomer(
        "rep_east1", "上海润家超市连锁有限公司", "上海", "普陀区", "真北路1108号",
        "retail", "regular", "inbound_call", "c", 6000, 1200, "www.runjia-mart.com.cn",
        "52806613", "13917463320",
        (_c("马经理", "信息部经理", "信息部", DM, "13917463320", M),),
    ),
    DemoCustomer(
        "rep_east1", "上海育才职业技术学校", "上海", "杨浦区", "国定路335号",
        "education", "regular", "referral", "c", 500, 210, "www.yucai-edu.com.cn",
        "65438802", "13916204587",
        (
            _c("钱主任", "办公室主任", "校办", DM, "13916204587", F),
            _c("冯老师", "信息中心老师", "信息中心", USR, "13916204588", M),
        ),
    ),
    DemoCustomer(
        "rep_east2", "杭州钱塘智能制造有限公司", "杭州", "钱塘区", "下沙街道18号大街666号",
        "manufacturing", "vip", "exhibition", "a", 12000, 900, "www.qiantang-im.com.cn",
        "86912058", "13958776102",
        (
            _c("蒋总", "总经理", "总经理办公室", DM, "13958776102", M),
            _c("韩经理", "生产经理", "生产部", INF, "13958776103", M),
            _c("杨会计", "财务主管", "财务部", USR, "13958776104", F),
        ),
    ),
    DemoCustomer(
        "rep_east2", "南京紫金软件技术有限公司", "南京", "玄武区", "徐庄软件园苏园路6号",
        "it", "partner", "referral", "b", 2000, 260, "www.zijin-soft.com.cn",
        "84562217", "13951603348",
        (
            _c("朱总", "副总裁", "总裁办", DM, "13951603348", M),
            _c("秦经理", "渠道经理", "市场部", INF, "13951603349", F),
        ),
    ),
    DemoCustomer(
        "rep_east2", "南京仁和医药连锁有限公司", "南京", "秦淮区", "中山南路219号",
        "healthcare", "regular", "telemarketing", "b", 3000, 780, "www.renhe-yy.com.cn",
        "52310964", "13951877215",
        (_c("尤经理", "运营经理", "运营部", DM, "13951877215", F),),
    ),
    DemoCustomer(
        "rep_east2", "苏州金鸡湖文旅发展有限公司", "苏州", "工业园区", "苏州大道东268号",
        "other", "regular", "online", "c", 10000, 140, "www.jjh-wenlv.com.cn",
        "65920318", "13962138806",
        (
            _c("施总", "总经理", "总经理办公室", DM, "13962138806", M),
            _c("张主管", "行政主管", "行政部", USR, "13962138807", F),
        ),
    ),
    DemoCustomer(
        "rep_east2", "杭州之江职业培训学校", "杭州", "西湖区", "之江路1088号",
        "education", "regular", "inbound_call", "c", 300, 60, "www.zhijiang-px.com.cn",
        "87306651", "13958230917",
        (_c("曹校长", "校长", "校长办公室", DM, "13958230917", M),),
    ),
    DemoCustomer(
        "rep_east2", "南京秦淮商贸有限公司", "南京", "秦淮区", "夫子庙贡院街88号",
        "retail", "agent", "exhibition", "b", 800, 45, "www.qinhuai-trade.com.cn",
        "52219870", "13951962234",
        (
            _c("严总", "董事长", "董事会办公室", DM, "13951962234", M),
            _c("华经理", "销售经理", "销售部", INF, "13951962235", F),
        ),
    ),
    DemoCustomer(
        "rep_east2", "上海东方汇通物流有限公司", "上海", "宝山区", "长江西路2311号",
        "other", "regular", "telemarketing", "b", 5000, 430, "www.dfht-logistics.com.cn",
        "56701842", "13917859903",
        (
            _c("金经理", "调度经理", "运营中心", DM, "13917859903", M),
            _c("魏工", "系统管理员", "信息部", USR, "13917859904", M),
        ),
    ),
    DemoCustomer(
        "manager_east", "江苏宁远建设集团有限公司", "南京", "建邺区", "江东中路369号",
        "other", "vip", "referral", "a", 50000, 3200, "www.ningyuan-jt.com.cn",
        "86639901", "13951005568",
        (
            _c("陶总", "集团副总裁", "集团总部", DM, "13951005568", M),
            _c("姜经理", "信息化部经理", "信息化部", INF, "13951005569", M),
            _c("戚主管", "采购主管", "采购中心", USR, "13951005570", F),
        ),
    ),
    DemoCustomer(
        "manager_east", "浙江天目山药业股份有限公司", "杭州", "临安区", "锦城街道科技大道1号",
        "healthcare", "vip", "exhibition", "a", 24000, 1500, "www.tianmushan-py.com.cn",
        "63721180", "13958861127",
        (
            _c("谢总", "常务副总", "总经理办公室", DM, "13958861127", F),
            _c("邹经理", "质量部经理", "质量部", INF, "13958861128", M),
        ),
    ),
    DemoCustomer(
        "manager_east", "苏州吴江丝绸进出口有限公司", "苏州", "吴江区", "盛泽镇舜新中路55号",
        "manufacturing", "regular", "telemarketing", "b", 4000, 380, "www.wujiang-silk.com.cn",
        "63573306", "13962540091",
        (_c("喻总", "总经理", "总经理办公室", DM, "13962540091", M),),
    ),
    DemoCustomer(
        "manager_east", "上海申城融资租赁有限公司", "上海", "浦东新区", "世纪大道1198号",
        "finance", "vip", "referral", "a", 20000, 240, "www.shencheng-leasing.com.cn",
        "68868520", "13918026675",
        (
            _c("柏总", "风控总监", "风险管理部", DM, "13918026675", M),
            _c("水经理", "运营经理", "运营部", USR, "13918026676", F),
        ),
    ),
    # -- 华北销售组 ----------------------------------------------------------------------
    DemoCustomer(
        "rep_north1", "北京中关村创新科技有限公司", "北京", "海淀区", "中关村大街27号",
        "it", "regular", "online", "a", 5000, 420, "www.zgc-chuangxin.com.cn",
        "62558870", "13911327640",
        (
            _c("窦总", "首席技术官", "技术中心", DM, "13911327640", M),
            _c("章经理", "采购经理", "采购部", INF, "13911327641", F),
        ),
    ),
    DemoCustomer(
        "rep_north1", "北京燕京智慧医疗科技有限公司", "北京", "朝阳区", "望京街10号",
        "healthcare", "regular", "exhibition", "b", 3000, 230, "www.yanjing-med.com.cn",
        "64701395", "13911865502",
        (
            _c("云总", "总经理", "总经理办公室", DM, "13911865502", M),
            _c("苏主任", "医学部主任", "医学部", USR, "13911865503", F),
        ),
    ),
    DemoCustomer(
        "rep_north1", "天津港联物流有限公司", "天津", "滨海新区", "塘沽新港二号路118号",
        "other", "regular", "telemarketing", "b", 6000, 650, "www.ganglian-wl.com.cn",
        "25708836", "13920318857",
        (_c("潘经理", "信息部经理", "信息部", DM, "13920318857", M),),
    ),
    DemoCustomer(
        "rep_north1", "天津滨海新材料有限公司", "天津", "滨海新区", "经济技术开发区第三大街51号",
        "manufacturing", "regular", "exhibition", "b", 15000, 870, "www.binhai-xcl.com.cn",
        "66281047", "13920745513",
        (
            _c("葛总", "副总经理", "总经理办公室", DM, "13920745513", M),
            _c("奚工", "设备工程师", "设备部", USR, "13920745514", M),
        ),
    ),
    DemoCustomer(
        "rep_north1", "石家庄恒康医疗器械有限公司", "石家庄", "裕华区", "槐安东路136号",
        "healthcare", "agent", "inbound_call", "c", 1000, 90, "www.hengkang-yl.com.cn",
        "85692270", "13931185526",
        (_c("范总", "总经理", "总经理办公室", DM, "13931185526", M),),
    ),
    DemoCustomer(
        "rep_north1", "北京博雅教育科技有限公司", "北京", "海淀区", "学院路35号",
        "education", "regular", "online", "c", 1000, 120, "www.boya-edu.com.cn",
        "82376614", "13911450238",
        (
            _c("彭经理", "运营总监", "运营部", DM, "13911450238", F),
            _c("郎老师", "教务主管", "教务部", USR, "13911450239", F),
        ),
    ),
    DemoCustomer(
        "rep_north1", "河北正定农业发展有限公司", "石家庄", "正定县", "常山东路66号",
        "other", "regular", "referral", "c", 2000, 160, "www.zhengding-ny.com.cn",
        "88028751", "13931267704",
        (_c("鲁总", "董事长", "董事会办公室", DM, "13931267704", M),),
    ),
    DemoCustomer(
        "manager_north", "北京华夏鼎信投资管理有限公司", "北京", "西城区", "金融大街15号",
        "finance", "vip", "referral", "a", 10000, 110, "www.dingxin-invest.com.cn",
        "66215580", "13911092263",
        (
            _c("韦总", "合伙人", "投资部", DM, "13911092263", M),
            _c("昌经理", "行政经理", "行政部", USR, "13911092264", F),
        ),
    ),
    DemoCustomer(
        "manager_north", "天津市河西区政务服务中心", "天津", "河西区", "友谊路31号",
        "government", "regular", "inbound_call", "b", 0, 200, "",
        "23398815", "13920962281",
        (
            _c("马处长", "副主任", "中心办公室", DM, "13920962281", M),
            _c("苗科长", "信息科科长", "信息科", INF, "13920962282", F),
        ),
    ),
    DemoCustomer(
        "manager_north", "石家庄冀中钢铁贸易有限公司", "石家庄", "长安区", "中山东路508号",
        "manufacturing", "regular", "telemarketing", "b", 5000, 300, "www.jizhong-steel.com.cn",
        "86053392", "13931043375",
        (_c("凤总", "总经理", "总经理办公室", DM, "13931043375", M),),
    ),
    DemoCustomer(
        "manager_north", "北京京北汽车零部件有限公司", "北京", "顺义区", "林河大街9号",
        "manufacturing", "vip", "exhibition", "a", 30000, 2100, "www.jingbei-auto.com.cn",
        "69442706", "13911738819",
        (
            _c("花总", "副总经理", "总经理办公室", DM, "13911738819", M),
            _c("方经理", "采购经理", "采购部", INF, "13911738820", M),
            _c("俞工", "IT工程师", "信息部", USR, "13911738821", M),
        ),
    ),
)
# fmt: on


def _customer_data(row: DemoCustomer) -> dict[str, Any]:
    province, city, area_code, post_code = CITIES[row.city]
    return {
        "name": row.name,
        "type": row.type,
        "source": row.source,
        "level": row.level,
        "industry": row.industry,
        "province": province,
        "city": city,
        "district": row.district,
        "address": f"{city}{row.district}{row.address}",
        "post_code": post_code,
        "office_phone": f"{area_code}-{row.phone}",
        "mobile": row.mobile,
        "website": f"https://{row.website}" if row.website else "",
        "registered_capital": Decimal(row.capital_wan) * 10000 if row.capital_wan else None,
        "staff_size": row.staff,
    }


def _contact_data(row: DemoCustomer, person: DemoContact, primary: bool) -> dict[str, Any]:
    area_code = CITIES[row.city][2]
    domain = row.website.removeprefix("www.")
    return {
        "name": person.name,
        "title": person.title,
        "department": person.department,
        "decision_role": person.role,
        "mobile": person.mobile,
        "phone": f"{area_code}-{row.phone}",
        "email": f"contact{person.mobile[-4:]}@{domain}" if domain else "",
        "gender": person.gender,
        "is_primary": primary,
    }


def load_customers(users: dict[str, Any]) -> tuple[int, int]:
    """Create the demo customers and their contacts that do not exist yet; returns how many
    (customers, contacts) were created. ``users`` maps demo usernames to users."""
    keys = {row.name: normalise_company_name(row.name) for row in CUSTOMERS}
    existing = set(
        Customer.all_objects.filter(name_key__in=keys.values()).values_list("name_key", flat=True)
    )
    customers = contacts = 0
    for row in CUSTOMERS:
        if keys[row.name] in existing:
            continue
        owner = users[row.owner]
        customer = services.create_customer(owner, _customer_data(row))
        customers += 1
        for position, person in enumerate(row.contacts):
            services.create_contact(
                owner, customer, _contact_data(row, person, primary=position == 0)
            )
            contacts += 1
    return customers, contacts
