from django.shortcuts import render

from reference.selectors import reference_counts


def home(request):
    return render(request, "reference/home.html", {"counts": reference_counts()})
