from django.conf import settings
from django.urls import include, path
from django.views.static import serve

urlpatterns = [
    path("", include("huike.org.urls")),
    path("", include("huike.core.urls")),
    path("settings/", include("huike.core.urls_config")),
    path("pools/", include("huike.pools.urls")),
    path("recycle-bin/", include("huike.core.urls_recycle")),
    path("", include("huike.customers.urls")),
    path("", include("huike.leads.urls")),
    path("", include("huike.activities.urls")),
    path("", include("huike.core.urls_records")),
    path("api/v1/", include("huike.api_urls")),
]

if settings.DEBUG or settings.TESTING:
    urlpatterns.append(path("media/<path:path>", serve, {"document_root": settings.MEDIA_ROOT}))

handler403 = "huike.core.error_views.permission_denied"
