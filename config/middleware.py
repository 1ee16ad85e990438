class VietnameseFirstMiddleware:
    """The portal speaks Vietnamese unless the user chose English (the language cookie).

    Office computers often run an English browser; its Accept-Language must not decide.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.META.pop("HTTP_ACCEPT_LANGUAGE", None)
        return self.get_response(request)
