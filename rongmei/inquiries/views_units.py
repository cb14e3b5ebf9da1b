from django.http import Http404, HttpResponse


def inbox(request):
    return HttpResponse("units")


def detail(request, pk):
    raise Http404
