"""The health check Wharf probes before a release gets traffic (app.json: /healthz).

It is a middleware rather than a URL so that it answers before anything else looks at the
request. Wharf's probe sends the app's first domain as Host, which a strict ALLOWED_HOSTS lets
through; an app deployed before it has a domain is probed with the container's IP address as
Host, which this middleware answers too. A release whose database cannot be reached is not
healthy, so it never gets traffic.
"""
from django.db import connection
from django.http import HttpResponse


def healthz(request):
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as error:  # noqa: BLE001 - any database failure makes the release unhealthy
        return HttpResponse(f"database unavailable: {error}\n", status=503, content_type="text/plain")
    return HttpResponse("ok\n", content_type="text/plain")


class HealthCheckMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.path == "/healthz":
            return healthz(request)
        return self.get_response(request)
