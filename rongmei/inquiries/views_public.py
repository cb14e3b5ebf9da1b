from django.http import Http404, HttpResponse


def index(request):
    return HttpResponse("问政")


def detail(request, receipt):
    raise Http404
