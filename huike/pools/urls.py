from django.urls import path

from . import views

app_name = "pools"

urlpatterns = [
    path("", views.pool_list, name="list"),
    path("return/", views.return_to_pool, name="return"),
    path("<int:pk>/", views.pool_detail, name="detail"),
    path("<int:pk>/claim/", views.claim, name="claim"),
    path("<int:pk>/assign/", views.assign, name="assign"),
    path("<int:pk>/statistics/", views.statistics, name="statistics"),
    path("<int:pk>/settings/", views.settings_page, name="settings"),
]
