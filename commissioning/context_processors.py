from django.conf import settings
from django.http import HttpRequest


def service(request: HttpRequest) -> dict[str, str]:
    """The service name for the header and page titles."""
    return {"service_name": settings.SERVICE_NAME}
