# ruff: noqa: RUF001  (Chinese sample text uses the full-width comma)
"""The demo company's sample leads (SPEC.md, DEMO): ten leads over rep_east1, rep_east2 and
rep_north1, as they arrive from exhibitions, the website and referrals.

Two are named by docs and the acceptance journey: 陈经理 of 上海浦东发展银行 (rep_east1),
whose company matches the demo customer so converting it adds a contact to that customer,
and 刘总 of 上海新锐智造科技有限公司 (rep_east1), a new company converting into a new
customer. Created through ``services.create_lead`` by their owners; a lead whose mobile
already exists on a lead (live or in the recycle bin) is skipped, so loading twice adds
nothing.
"""

from __future__ import annotations

from typing import Any, NamedTuple

from . import services
from .models import Lead


class DemoLead(NamedTuple):
    owner: str
    name: str
    company: str
    title: str
    mobile: str
    source: str
    industry: str
    region: str
    status: str
    remark: str


NEW, FOLLOWING, INVALID = "new", "following", "invalid"

# fmt: off
LEADS: tuple[DemoLead, ...] = (
    DemoLead("rep_east1", "陈经理", "上海浦东发展银行", "信用卡中心运营经理", "13916627315",
             "exhibition", "finance", "上海", FOLLOWING,
             "金融科技展会上交换名片，关注移动展业方案"),
    DemoLead("rep_east1", "刘总", "上海新锐智造科技有限公司", "总经理", "13918452207",
             "online", "manufacturing", "上海", NEW, "官网留言咨询销售管理系统，团队约40人"),
    DemoLead("rep_east1", "黄女士", "上海静安恒通贸易有限公司", "行政主管", "13917086634",
             "inbound_call", "retail", "上海", NEW, "来电询价，希望下周演示"),
    DemoLead("rep_east1", "邓先生", "昆山鼎泰五金制品有限公司", "采购", "13962370918",
             "telemarketing", "manufacturing", "苏州", INVALID, "电话确认暂无需求"),
    DemoLead("rep_east2", "罗经理", "宁波海曙港航服务有限公司", "信息部经理", "13958317702",
             "referral", "other", "宁波", FOLLOWING, "南京紫金软件朱总介绍"),
    DemoLead("rep_east2", "高总", "杭州拱墅文创园管理有限公司", "副总经理", "13958640185",
             "exhibition", "other", "杭州", NEW, "文创产业博览会到访"),
    DemoLead("rep_east2", "宋老师", "南京鼓楼实验学校", "信息中心主任", "13951724469",
             "online", "education", "南京", NEW, "下载了教育行业白皮书"),
    DemoLead("rep_north1", "唐经理", "北京望京医药科技有限公司", "市场经理", "13911608824",
             "online", "healthcare", "北京", FOLLOWING, "已发送产品资料，等待内部评估"),
    DemoLead("rep_north1", "冯总", "天津港保税区国际贸易有限公司", "总经理", "13920583316",
             "referral", "other", "天津", NEW, "天津港联物流潘经理推荐"),
    DemoLead("rep_north1", "曾女士", "保定长城汽车配件经销有限公司", "财务经理", "13931520947",
             "inbound_call", "manufacturing", "保定", NEW, "咨询发票与回款管理功能"),
)
# fmt: on


def load_leads(users: dict[str, Any]) -> int:
    """Create the demo leads that do not exist yet; returns how many were created."""
    existing = set(
        Lead.all_objects.filter(mobile__in=[row.mobile for row in LEADS]).values_list(
            "mobile", flat=True
        )
    )
    created = 0
    for row in LEADS:
        if row.mobile in existing:
            continue
        services.create_lead(
            users[row.owner],
            {
                "name": row.name,
                "company": row.company,
                "title": row.title,
                "mobile": row.mobile,
                "source": row.source,
                "industry": row.industry,
                "region": row.region,
                "status": row.status,
                "remark": row.remark,
            },
        )
        created += 1
    return created
