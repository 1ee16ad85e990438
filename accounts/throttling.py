"""Login throttling (django-axes): the client's address, and a log line when someone is locked out.

Behind a proxy every request comes from the proxy's address, so the client's is read from
`X-Forwarded-For` — but only when the settings say how many proxies stand in front
(`TRUSTED_PROXY_COUNT`): otherwise the header is the client's own word and is ignored. The
entry read is the one the outermost trusted proxy wrote (counted from the right), which a client
cannot forge by sending a header of its own.
"""

from __future__ import annotations

import ipaddress
import logging

from django.conf import settings
from django.shortcuts import render

log = logging.getLogger(__name__)


def client_ip(request) -> str | None:
    remote = request.META.get("REMOTE_ADDR")
    proxies = settings.TRUSTED_PROXY_COUNT
    if proxies <= 0:
        return remote
    hops = [hop.strip() for hop in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
    hops = [hop for hop in hops if hop]
    if len(hops) < proxies:
        return remote
    candidate = hops[-proxies]
    try:
        return str(ipaddress.ip_address(candidate))
    except ValueError:
        return remote


def lockout_response(request, original_response=None, credentials=None):
    """The lockout page, in the portal's layout and in Vietnamese (429 Too Many Requests)."""
    context = {
        "failure_limit": settings.AXES_FAILURE_LIMIT,
        "minutes": max(1, round(settings.AXES_COOLOFF_TIME.total_seconds() / 60)),
    }
    return render(request, "accounts/locked_out.html", context, status=429)


def log_lockout(sender, request, username, ip_address, **kwargs) -> None:
    log.warning(
        "Tạm khóa đăng nhập sau %s lần sai: tài khoản %r, địa chỉ %s, trang %s",
        settings.AXES_FAILURE_LIMIT,
        username,
        ip_address,
        request.path if request is not None else "",
    )


def connect_signals() -> None:
    from axes.signals import user_locked_out

    user_locked_out.connect(log_lockout, dispatch_uid="accounts.log_lockout")
