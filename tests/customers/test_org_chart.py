"""A customer's org chart from Contact.reports_to (CUS-09)."""

from __future__ import annotations

from django.urls import reverse

from huike.customers import org_chart, services
from huike.customers.models import Contact


def _tree(demo):
    customer = services.create_customer(demo["rep_east1"], {"name": "组织架构客户"})
    boss = services.create_contact(demo["rep_east1"], customer, {"name": "王总", "title": "总经理"})
    cfo = services.create_contact(
        demo["rep_east1"], customer, {"name": "财务李", "reports_to": boss}
    )
    clerk = services.create_contact(
        demo["rep_east1"], customer, {"name": "出纳张", "reports_to": cfo}
    )
    return customer, boss, cfo, clerk


def _names(nodes):
    return [(n.contact.name, _names(n.children)) for n in nodes]


def test_build_nests_reports(demo):
    customer, *_ = _tree(demo)
    contacts = list(Contact.objects.filter(customer=customer).order_by("pk"))
    assert _names(org_chart.build(contacts)) == [("王总", [("财务李", [("出纳张", [])])])]


def test_build_survives_a_loop_and_missing_managers(demo):
    customer, _boss, _cfo, clerk = _tree(demo)
    contacts = list(Contact.objects.filter(customer=customer).order_by("pk"))
    by_name = {c.name: c for c in contacts}
    by_name["王总"].reports_to_id = clerk.pk  # a loop the services would refuse
    roots = org_chart.build(contacts)
    seen = []

    def walk(nodes):
        for n in nodes:
            seen.append(n.contact.pk)
            walk(n.children)

    walk(roots)
    assert sorted(seen) == sorted(c.pk for c in contacts)
    # Without the manager in the list, a report becomes a root.
    assert _names(org_chart.build([by_name["出纳张"]])) == [("出纳张", [])]


def test_page_and_fragment(demo, login, django_assert_max_num_queries):
    customer, *_ = _tree(demo)
    client = login("rep_east1")
    url = reverse("customers_extra:org_chart", args=[customer.pk])
    client.get(url)
    with django_assert_max_num_queries(15):
        page = client.get(url)
    body = page.content.decode()
    assert page.status_code == 200 and "<html" in body
    assert body.index("王总") < body.index("财务李") < body.index("出纳张")
    fragment = client.get(url, HTTP_HX_REQUEST="true").content.decode()
    assert "出纳张" in fragment and "<html" not in fragment


def test_out_of_scope_is_404(demo, login):
    customer, *_ = _tree(demo)
    url = reverse("customers_extra:org_chart", args=[customer.pk])
    assert login("rep_north1").get(url).status_code == 404


def test_customer_page_has_the_org_chart_tab_and_contact_page_the_vcard_button(demo, login):
    from tests.record_samples import make

    contact = make("contacts", demo["rep_east1"], 1)
    client = login("rep_east1")
    customer_page = client.get(f"/customers/{contact.customer_id}/").content.decode()
    assert f"/customers/{contact.customer_id}/tabs/org-chart/" in customer_page
    tab = client.get(f"/customers/{contact.customer_id}/tabs/org-chart/", HTTP_HX_REQUEST="true")
    assert tab.status_code == 200 and contact.name in tab.content.decode()
    contact_page = client.get(f"/contacts/{contact.pk}/").content.decode()
    assert f"/contacts/{contact.pk}/vcard/" in contact_page
