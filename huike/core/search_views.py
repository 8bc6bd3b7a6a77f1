"""The global search page (PLT-06): /search/?q= shows the first few matches of every record
type the user may view, each group linking to the type's list filtered by the same query.

An htmx request (``HX-Request``) gets the results fragment only, so a search box can swap
results in place without reloading the page.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from .search import search
from .views import is_htmx, signed_in

#: Longest query looked up; anything longer is cut (the key itself is at most 255 chars).
MAX_QUERY_LENGTH = 100


@require_GET
@signed_in
def search_page(request: HttpRequest) -> HttpResponse:
    query = (request.GET.get("q") or "").strip()[:MAX_QUERY_LENGTH]
    keys = [k for k in (request.GET.get("types") or "").split(",") if k]
    context = {"query": query, "groups": search(request.user, query, keys=keys or None)}
    if is_htmx(request):
        return render(request, "core/search_results.html", context)
    return render(request, "core/search.html", context)
