from django.http import Http404, HttpResponse


def queue(request):
    return HttpResponse("desk")


def detail(request, pk):
    raise Http404
