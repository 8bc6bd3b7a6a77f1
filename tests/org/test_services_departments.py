"""Departments (ORG-01): create, rename, move with the subtree's paths, guarded delete."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied

from huike.core.errors import DomainError
from huike.core.models import OperationLog
from huike.org import services
from huike.org.models import Department


def dept(name: str) -> Department:
    return Department.objects.get(name=name)


def test_create_child_sets_path_and_logs(demo):
    admin = demo["admin"]
    child = services.create_department(admin, "华南销售组", dept("销售部"))
    assert child.path == f"{dept('销售部').path}{child.pk}/"
    assert OperationLog.objects.filter(action="create", object_id=str(child.pk)).exists()


def test_sibling_names_are_unique(demo):
    with pytest.raises(DomainError) as error:
        services.create_department(demo["admin"], "华东销售组", dept("销售部"))
    assert error.value.field == "name"


def test_root_is_renamable(demo):
    root = services.root_department()
    services.edit_department(demo["admin"], root, name="汇客集团", parent=None, head=None)
    assert services.root_department().name == "汇客集团"
    entry = OperationLog.objects.filter(action="update", object_id=str(root.pk)).get()
    assert entry.changes[0]["new"] == "汇客集团"


def test_move_rewrites_the_whole_subtree(demo):
    admin = demo["admin"]
    sales, service = dept("销售部"), dept("客服部")
    team = services.create_department(admin, "一组", dept("华东销售组"))
    services.edit_department(
        admin, dept("华东销售组"), name="华东销售组", parent=service, head=None
    )
    east = dept("华东销售组")
    assert east.parent == service
    assert east.path == f"{service.path}{east.pk}/"
    team.refresh_from_db()
    assert team.path == f"{service.path}{east.pk}/{team.pk}/"
    assert not Department.objects.filter(path__startswith=f"{sales.path}{east.pk}/").exists()
    assert OperationLog.objects.filter(action="move", object_id=str(east.pk)).exists()


@pytest.mark.parametrize("target", ["销售部", "华东销售组"])
def test_move_under_itself_or_descendant_is_refused(demo, target):
    with pytest.raises(DomainError) as error:
        services.move_department(demo["admin"], dept("销售部"), dept(target))
    assert error.value.code == "cycle"
    assert dept("销售部").parent == services.root_department()


def test_delete_refused_with_members(demo):
    with pytest.raises(DomainError) as error:
        services.delete_department(demo["admin"], dept("财务部"))
    assert error.value.code == "has_members"
    assert "财务部" in error.value.message
    assert Department.objects.filter(name="财务部").exists()


def test_delete_refused_with_children(demo):
    empty = services.create_department(demo["admin"], "空部门", services.root_department())
    services.create_department(demo["admin"], "子部门", empty)
    with pytest.raises(DomainError) as error:
        services.delete_department(demo["admin"], empty)
    assert error.value.code == "has_children"


def test_delete_empty_department(demo):
    empty = services.create_department(demo["admin"], "空部门", services.root_department())
    services.delete_department(demo["admin"], empty)
    assert not Department.objects.filter(pk=empty.pk).exists()
    assert OperationLog.objects.filter(action="delete", object_repr="空部门").exists()


def test_head_must_be_enabled(demo):
    demo["rep_east2"].is_active = False
    demo["rep_east2"].save()
    with pytest.raises(DomainError) as error:
        services.create_department(
            demo["admin"], "新部门", services.root_department(), head=demo["rep_east2"]
        )
    assert error.value.field == "head"


def test_rights_are_checked(demo):
    with pytest.raises(PermissionDenied):
        services.create_department(demo["rep_east1"], "x", services.root_department())
    with pytest.raises(PermissionDenied):
        services.edit_department(
            demo["rep_east1"], dept("财务部"), name="y", parent=None, head=None
        )


def test_tree_is_depth_first_with_counts_in_one_query(demo, django_assert_num_queries):
    with django_assert_num_queries(1):
        tree = services.department_tree()
    names = [(d.level, d.name) for d in tree]
    assert names[0] == (0, "汇客科技")
    sales = names.index((1, "销售部"))
    assert names[sales + 1][0] == 2  # its groups follow it
    east = next(d for d in tree if d.name == "华东销售组")
    assert east.member_count == 3
    assert east.head == demo["manager_east"]
    assert next(d for d in tree if d.name == "销售部").child_count == 2
