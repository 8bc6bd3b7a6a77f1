"""Contact extras (vCard, org chart) and the customers' action pages: transfer, lock,
team and merge (namespace ``customers_extra``).

Mounted before the record-type URLs so "contacts/vcard/" is not taken for a contact id.
"""

from django.urls import path

from . import views, views_actions, views_team

app_name = "customers_extra"

urlpatterns = [
    path("contacts/vcard/", views.contacts_vcard, name="contacts_vcard"),
    path("contacts/<int:pk>/vcard/", views.contact_vcard, name="contact_vcard"),
    path("customers/<int:pk>/org-chart/", views.org_chart, name="org_chart"),
    path("customers/transfer/", views_actions.transfer_many, name="transfer"),
    path("customers/<int:pk>/transfer/", views_actions.transfer_one, name="transfer_one"),
    path("customers/<int:pk>/lock/", views_actions.lock, name="lock"),
    path("customers/<int:pk>/unlock/", views_actions.unlock, name="unlock"),
    path("customers/<int:pk>/merge/", views_actions.merge, name="merge"),
    path(
        "customers/<int:pk>/merge/candidates/",
        views_actions.merge_candidates,
        name="merge_candidates",
    ),
    path("customers/<int:pk>/team/", views_team.add_member, name="team_add"),
    path("customers/<int:pk>/team/<int:user>/", views_team.change_member, name="team_change"),
    path(
        "customers/<int:pk>/team/<int:user>/remove/",
        views_team.remove_member,
        name="team_remove",
    ),
]
