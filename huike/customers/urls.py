"""Contact extras: vCard export and a customer's org chart (namespace ``customers_extra``).

Mounted before the record-type URLs so "contacts/vcard/" is not taken for a contact id.
"""

from django.urls import path

from . import views

app_name = "customers_extra"

urlpatterns = [
    path("contacts/vcard/", views.contacts_vcard, name="contacts_vcard"),
    path("contacts/<int:pk>/vcard/", views.contact_vcard, name="contact_vcard"),
    path("customers/<int:pk>/org-chart/", views.org_chart, name="org_chart"),
]
