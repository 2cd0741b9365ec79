"""The Content-Security-Policy header, and the client's address for sign-in throttling behind a proxy."""

from __future__ import annotations

from csp.middleware import CSPMiddleware, PolicyParts
from django.http import HttpRequest, HttpResponseBase
from django.urls import reverse

# Django's admin and django-import-export's admin pages carry an inline `<style>` (the change list without
# actions), `style="…"` attributes and an `onchange="…"` handler (the export form). The admin is for staff only and
# shows no text from partners' portal that is not escaped; it gets inline script and style back, nothing else.
ADMIN_RELAXATIONS = {
    "script-src": ["'self'", "'unsafe-inline'"],
    "style-src": ["'self'", "'unsafe-inline'"],
}


class ContentSecurityPolicyMiddleware(CSPMiddleware):
    """settings.CONTENT_SECURITY_POLICY everywhere, with ADMIN_RELAXATIONS under the admin's prefix."""

    def get_policy_parts(
        self, request: HttpRequest, response: HttpResponseBase, report_only: bool = False
    ) -> PolicyParts:
        parts = super().get_policy_parts(request, response, report_only)
        if not report_only and request.path_info.startswith(reverse("admin:index")):
            parts.replace = {**(parts.replace or {}), **ADMIN_RELAXATIONS}
        return parts


def client_ip_behind_proxy(request: HttpRequest) -> str | None:
    """The address the TLS proxy saw: the last one in X-Forwarded-For (the proxy appends it; a client can forge
    only those before it). Without the header, the connection's own address."""
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    addresses = [address.strip() for address in forwarded.split(",") if address.strip()]
    return addresses[-1] if addresses else request.META.get("REMOTE_ADDR")
