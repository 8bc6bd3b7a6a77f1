from django.contrib.auth.decorators import login_required
from django.shortcuts import render


@login_required
def workbench(request):
    return render(request, "core/workbench.html")


@login_required
def placeholder(request):
    return render(request, "core/workbench.html")
