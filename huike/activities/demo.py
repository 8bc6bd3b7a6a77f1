# ruff: noqa: RUF001  (Chinese sample text uses the full-width comma)
"""The demo company's sample follow-ups (SPEC.md, DEMO): fifteen calls, visits, WeChat
messages and meetings on demo customers, logged by the customers' owners, so timelines,
"last follow-up" columns and the pool's recycle clock look lived-in.

Dates are counted back from the day the demo is loaded (a follow-up cannot lie in the future,
and fixed calendar dates would make every customer look abandoned a month after install).
One is named by docs: rep_east1's visit to 上海浦东发展银行. Created through
``services.create_follow_up``; a customer that already has a follow-up with the same text is
skipped, so loading twice adds nothing.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any, NamedTuple

from django.utils import timezone

from huike.customers.models import Customer

from . import services
from .models import FollowUp


class DemoFollowUp(NamedTuple):
    author: str
    customer: str
    type: str
    days_ago: int
    content: str
    place: str = ""


# fmt: off
FOLLOW_UPS: tuple[DemoFollowUp, ...] = (
    DemoFollowUp("rep_east1", "上海浦东发展银行", "visit", 2,
                 "拜访江总，演示移动展业与客户公海功能，对方希望下月安排试点",
                 "上海市黄浦区中山东一路12号"),
    DemoFollowUp("rep_east1", "上海浦东发展银行", "phone", 9,
                 "与王经理电话沟通信息安全评估要求，需提供等保测评报告"),
    DemoFollowUp("rep_east1", "上海明远精密机械有限公司", "wechat", 4,
                 "微信发送设备巡检方案报价，周总回复本周内内部讨论"),
    DemoFollowUp("rep_east1", "上海华信数据科技有限公司", "meeting", 6,
                 "与吴总监召开接口对接会议，确定API联调时间表"),
    DemoFollowUp("rep_east1", "杭州西溪医疗器械有限公司", "phone", 12,
                 "何经理反馈预算已批，等待采购流程"),
    DemoFollowUp("rep_east1", "苏州博远电子有限公司", "visit", 15,
                 "现场了解产线管理流程，沈经理关心与ERP集成", "苏州工业园区星湖街328号"),
    DemoFollowUp("rep_east2", "杭州钱塘智能制造有限公司", "visit", 3,
                 "拜访蒋总，确认二期实施范围与验收标准", "杭州市钱塘区18号大街666号"),
    DemoFollowUp("rep_east2", "南京紫金软件技术有限公司", "email", 5,
                 "邮件发送渠道合作协议草案给秦经理"),
    DemoFollowUp("rep_east2", "南京仁和医药连锁有限公司", "phone", 20,
                 "尤经理表示门店系统升级后再谈，下月回访"),
    DemoFollowUp("rep_east2", "上海东方汇通物流有限公司", "wechat", 8,
                 "微信沟通调度模块试用账号开通事宜"),
    DemoFollowUp("manager_east", "江苏宁远建设集团有限公司", "meeting", 7,
                 "陶总牵头召开选型会，我方排名第一，进入商务谈判"),
    DemoFollowUp("rep_north1", "北京中关村创新科技有限公司", "phone", 1,
                 "窦总确认参加下周产品发布会"),
    DemoFollowUp("rep_north1", "天津港联物流有限公司", "visit", 10,
                 "拜访潘经理，演示移动端签到与拍照跟进", "天津市滨海新区塘沽新港二号路118号"),
    DemoFollowUp("rep_north1", "北京博雅教育科技有限公司", "sms", 14,
                 "短信提醒彭经理续费到期时间"),
    DemoFollowUp("manager_north", "北京京北汽车零部件有限公司", "visit", 5,
                 "与花总、方经理面谈年度框架合同条款", "北京市顺义区林河大街9号"),
)
# fmt: on


def load_follow_ups(users: dict[str, Any]) -> int:
    """Log the demo follow-ups not logged yet; returns how many were created. A customer
    missing from the demo (deleted, renamed) is skipped."""
    customers = {
        c.name: c for c in Customer.objects.filter(name__in={row.customer for row in FOLLOW_UPS})
    }
    done = set(
        FollowUp.all_objects.filter(customer__in=customers.values()).values_list(
            "customer_id", "content"
        )
    )
    now = timezone.now().replace(hour=10, minute=0, second=0, microsecond=0)
    created = 0
    for row in FOLLOW_UPS:
        customer = customers.get(row.customer)
        if customer is None or (customer.pk, row.content) in done:
            continue
        services.create_follow_up(
            users[row.author],
            customer,
            {
                "type": row.type,
                "content": row.content,
                "occurred_at": now - timedelta(days=row.days_ago),
                "place": row.place,
            },
        )
        created += 1
    return created
