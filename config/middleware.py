class VietnameseFirstMiddleware:
    """The portal speaks Vietnamese unless the user chose English (the language cookie).

    Office computers often run an English browser; its Accept-Language must not decide.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.META.pop("HTTP_ACCEPT_LANGUAGE", None)
        return self.get_response(request)


class SecurityHeadersMiddleware:
    """Content-Security-Policy and Permissions-Policy on every response (Django 5.2 has neither).

    The policy is fixed: the pages carry no inline script, style or event handler (htmx's own
    indicator style is switched off in its `htmx-config` meta tag and shipped in portal.css), so
    no nonce is needed. A response that sets its own policy (product file downloads) keeps it.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        from django.conf import settings

        response = self.get_response(request)
        if settings.DEBUG and response.status_code in (404, 500):
            return response  # Django's technical pages (DEBUG only) style themselves inline
        if settings.CONTENT_SECURITY_POLICY:
            response.headers.setdefault("Content-Security-Policy", settings.CONTENT_SECURITY_POLICY)
        if settings.PERMISSIONS_POLICY:
            response.headers.setdefault("Permissions-Policy", settings.PERMISSIONS_POLICY)
        return response
