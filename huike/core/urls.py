from django.urls import path

from . import search_views, views

urlpatterns = [
    path("", views.workbench, name="workbench"),
    path("workbench/notifications/", views.workbench_notifications, name="workbench_notifications"),
    path("search/", search_views.search_page, name="search"),
    path("notifications/", views.notification_list, name="notifications"),
    path("notifications/count/", views.notification_count, name="notification_count"),
    path("notifications/read-all/", views.notification_read_all, name="notifications_read_all"),
    path("notifications/<int:pk>/open/", views.notification_open, name="notification_open"),
    path("notifications/<int:pk>/read/", views.notification_read, name="notification_read"),
    path("notifications/<int:pk>/unread/", views.notification_unread, name="notification_unread"),
]
