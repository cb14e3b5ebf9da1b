from django.http import HttpResponse


def public_stats(request):
    return HttpResponse("stats")


def supervision(request):
    return HttpResponse("supervision")
