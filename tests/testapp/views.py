"""Two tiny views that follow the house pattern, so rule 3 (invisible is 404, forbidden is 403)
is proven over HTTP before any business module exists."""

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse, JsonResponse
from django.views.decorators.http import require_POST

from huike.core import fields
from huike.core.permissions import check_perm
from huike.core.scopes import get_visible_or_404

from .models import Memo


@login_required
def memo_detail(request, pk):
    memo = get_visible_or_404(request.user, Memo, pk=pk)
    policy = fields.policy(request.user, Memo)
    data = {"id": memo.pk, "title": memo.title}
    for name in ("phone", "secret"):
        if not policy.is_hidden(name):
            data[name] = policy.display(name, getattr(memo, name))
    return JsonResponse(data)


@login_required
@require_POST
def memo_delete(request, pk):
    memo = get_visible_or_404(request.user, Memo, pk=pk)
    check_perm(request.user, "memos.delete")
    memo.delete()
    return HttpResponse(status=204)
