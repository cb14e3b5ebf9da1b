from django.http import JsonResponse


def services(request):
    return JsonResponse([], safe=False)


def requests(request):
    return JsonResponse([], safe=False)
