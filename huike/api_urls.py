"""/api/v1/: every module's endpoints, the OpenAPI schema and the interactive docs.

Each installed Huike app may have an ``api.py`` declaring ``routes`` — (prefix, viewset,
basename) triples registered on one router — and ``views`` — (path, view, name) triples for
endpoints that are not viewsets. A new module therefore adds endpoints without touching this
file.
"""

from importlib import import_module
from importlib.util import find_spec

from django.apps import apps
from django.urls import path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework.routers import SimpleRouter

from huike.core.api import not_found

#: Core modules with endpoints of their own (the record machinery's generic viewsets, search),
#: besides each app's ``api.py``.
CORE_API_MODULES = ("huike.core.api_records", "huike.core.search_api")


def _api_modules():
    names = [
        f"{config.name}.api"
        for config in apps.get_app_configs()
        if config.name.startswith("huike.") and config.name != "huike.core"
    ]
    for name in [*CORE_API_MODULES, *names]:
        if find_spec(name) is not None:
            yield import_module(name)


router = SimpleRouter()
urlpatterns = [
    path("schema/", SpectacularAPIView.as_view(), name="api-schema"),
    # Split view: the page loads its start-up script from a URL instead of inlining it, so
    # the Content-Security-Policy (no inline scripts) applies to the docs too.
    path("docs/", SpectacularSwaggerSplitView.as_view(url_name="api-schema"), name="api-docs"),
]
for module in _api_modules():
    for prefix, viewset, basename in getattr(module, "routes", ()):
        router.register(prefix, viewset, basename=basename)
    for route, view, name in getattr(module, "views", ()):
        urlpatterns.append(path(route, view, name=name))

urlpatterns += router.urls
# Anything else under /api/v1/ answers a JSON 404 rather than the HTML error page.
urlpatterns.append(re_path(r"^.*$", not_found))
