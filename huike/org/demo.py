"""The demo company (SPEC.md, DEMO): deterministic, so docs and checks can rely on it."""

from __future__ import annotations

from django.apps import apps
from django.db import transaction

from .models import Department, Role, User
from .presets import SUPERADMIN, ensure_base_rows

DEMO_PASSWORD = "Huike-demo-2026"

#: (name, parent name) — parents listed before children.
DEPARTMENTS = [
    ("销售部", "汇客科技"),
    ("华东销售组", "销售部"),
    ("华北销售组", "销售部"),
    ("客服部", "汇客科技"),
    ("财务部", "汇客科技"),
]

#: username, name, mobile, role code, department, supervisor, title, gender
USERS = [
    ("admin", "系统管理员", "13800000000", SUPERADMIN, "汇客科技", None, "系统管理员", "male"),
    ("director", "王志远", "13800000001", "sales_director", "销售部", "admin", "销售总监", "male"),
    (
        "manager_east",
        "李晓梅",
        "13800000002",
        "sales_manager",
        "华东销售组",
        "director",
        "华东区经理",
        "female",
    ),
    (
        "rep_east1",
        "张伟",
        "13800000003",
        "sales_rep",
        "华东销售组",
        "manager_east",
        "销售代表",
        "male",
    ),
    (
        "rep_east2",
        "陈静",
        "13800000004",
        "sales_rep",
        "华东销售组",
        "manager_east",
        "销售代表",
        "female",
    ),
    (
        "manager_north",
        "刘洋",
        "13800000005",
        "sales_manager",
        "华北销售组",
        "director",
        "华北区经理",
        "male",
    ),
    (
        "rep_north1",
        "赵磊",
        "13800000006",
        "sales_rep",
        "华北销售组",
        "manager_north",
        "销售代表",
        "male",
    ),
    ("service1", "孙丽", "13800000007", "service_agent", "客服部", "admin", "客服专员", "female"),
    ("finance1", "周敏", "13800000008", "finance", "财务部", "admin", "财务专员", "female"),
    ("viewer", "吴昊", "13800000009", "read_only", "汇客科技", "admin", "观察员", "male"),
]


@transaction.atomic
def load_demo(*, sample_records: bool = True) -> None:
    """The demo company; ``sample_records=False`` stops at departments and users (the test
    suite's ``demo`` fixture: most tests want an empty company to put their own rows in)."""
    ensure_base_rows()
    root = Department.objects.get(parent__isnull=True)
    if root.name != "汇客科技":
        root.name = "汇客科技"
        root.save(update_fields=["name"])
    departments = {root.name: root}
    for order, (name, parent_name) in enumerate(DEPARTMENTS):
        parent = departments[parent_name]
        dept, created = Department.objects.get_or_create(
            name=name, parent=parent, defaults={"sort_order": order}
        )
        if created or not dept.path:
            dept.path = f"{parent.path}{dept.pk}/"
            dept.save(update_fields=["path"])
        departments[name] = dept
    users: dict[str, User] = {}
    for username, name, mobile, role_code, dept_name, supervisor, title, gender in USERS:
        user = User.objects.filter(username=username).first()
        if user is None:
            user = User(username=username)
            user.set_password(DEMO_PASSWORD)
        user.name, user.mobile, user.title, user.gender = name, mobile, title, gender
        user.email = f"{username}@huike.example"
        user.department = departments[dept_name]
        user.supervisor = users.get(supervisor) if supervisor else None
        user.save()
        user.roles.set([Role.objects.get(code=role_code)])
        users[username] = user
    for dept_name, head in [
        ("销售部", "director"),
        ("华东销售组", "manager_east"),
        ("华北销售组", "manager_north"),
        ("客服部", "service1"),
        ("财务部", "finance1"),
        ("汇客科技", "admin"),
    ]:
        Department.objects.filter(pk=departments[dept_name].pk).update(head=users[head])
    if sample_records:
        _load_sample_records(users)


def _load_sample_records(users: dict[str, User]) -> None:
    """Sample records of the installed modules, each loader skipping what already exists, so
    running the demo again adds nothing. Imported here: org does not depend on them."""
    if apps.is_installed("huike.customers"):
        from huike.customers.demo import load_customers

        load_customers(users)
    if apps.is_installed("huike.pools"):
        from huike.pools.demo import load_pool

        load_pool(users)
    if apps.is_installed("huike.leads"):
        from huike.leads.demo import load_leads

        load_leads(users)
    if apps.is_installed("huike.activities"):
        from huike.activities.demo import load_follow_ups

        load_follow_ups(users)
