"""Webhooks without request forgery: the portal posts only to addresses on the public internet.

A webhook address is typed by a user, and the worker that posts to it sits inside the
department's network: without care, `http://127.0.0.1:…`, `http://10.0.0.5/…` or the cloud
metadata address (169.254.169.254) would let anyone make the portal call its neighbours.
So:
- https only, unless the administrator lists the host in `WEBHOOK_ALLOWED_HOSTS` (an intranet
  chat server may then use http and a private address; loopback, link-local and the other
  special ranges stay refused for every host);
- the name is resolved and every address it gives is checked, when the address is saved and
  again when a message is sent; the message goes to the address that was checked (no second
  lookup an attacker's DNS could answer differently), with the host name kept for TLS and the
  Host header;
- redirects are not followed, the answer is not read past a few kilobytes, timeouts are short.
"""

from __future__ import annotations

import http.client
import ipaddress
import socket
import ssl
from dataclasses import dataclass
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

MAX_ANSWER_BYTES = 64 * 1024

Address = ipaddress.IPv4Address | ipaddress.IPv6Address


@dataclass(frozen=True)
class Target:
    """A checked webhook address: where to connect and what to ask for."""

    scheme: str
    host: str
    port: int
    path: str
    address: Address


def allowed_hosts() -> set[str]:
    return {host.lower().rstrip(".") for host in settings.WEBHOOK_ALLOWED_HOSTS}


def resolve(host: str, port: int) -> list[str]:
    """Every address the name resolves to (tests replace this: they never touch the network)."""
    return [info[4][0] for info in socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)]


def _refused(address: Address, *, listed: bool) -> bool:
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    # The special ranges no host may use: this machine, the link (cloud metadata lives there),
    # multicast, the unspecified and reserved ranges. A host the administrator lists may be on
    # the department's own private network.
    if (
        address.is_loopback
        or address.is_link_local
        or address.is_multicast
        or address.is_unspecified
        or address.is_reserved
    ):
        return True
    return not (address.is_global or (listed and address.is_private))


def check(url: str) -> Target:
    """The address to post to, or a ValidationError saying in Vietnamese why not."""
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError as error:
        raise ValidationError(_("Địa chỉ webhook không hợp lệ."), code="invalid") from error
    host = (parts.hostname or "").rstrip(".")
    if not host:
        raise ValidationError(_("Địa chỉ webhook không hợp lệ."), code="invalid")
    if parts.username or parts.password:
        raise ValidationError(
            _("Địa chỉ webhook không được chứa tên đăng nhập hoặc mật khẩu."), code="credentials"
        )
    listed = host in allowed_hosts()
    if parts.scheme != "https" and not (parts.scheme == "http" and listed):
        raise ValidationError(
            _(
                "Địa chỉ webhook phải bắt đầu bằng https:// (máy chủ %(host)s chưa được quản trị "
                "cho phép dùng http)."
            )
            % {"host": host},
            code="scheme",
        )
    port = port or (443 if parts.scheme == "https" else 80)
    try:
        found = resolve(host, port)
    except (OSError, UnicodeError) as error:
        raise ValidationError(
            _("Không tìm thấy máy chủ %(host)s.") % {"host": host}, code="unresolved"
        ) from error
    addresses = []
    for text in found:
        address = ipaddress.ip_address(text.split("%", 1)[0])
        if _refused(address, listed=listed):
            raise ValidationError(
                _(
                    "Không được gửi webhook tới địa chỉ nội bộ hoặc đặc biệt (%(host)s → "
                    "%(address)s)."
                )
                % {"host": host, "address": address},
                code="forbidden_address",
            )
        addresses.append(address)
    if not addresses:
        raise ValidationError(
            _("Không tìm thấy máy chủ %(host)s.") % {"host": host}, code="unresolved"
        )
    path = parts.path or "/"
    if parts.query:
        path += "?" + parts.query
    return Target(parts.scheme, host, port, path, addresses[0])


def validate_webhook_url(value: str) -> None:
    """Model and form validator: the same check as at send time."""
    if value:
        check(value)


class _PinnedHTTPConnection(http.client.HTTPConnection):
    """Connects to the checked address; the Host header still names the host."""

    def __init__(self, target: Target, timeout: float):
        super().__init__(target.host, target.port, timeout=timeout)
        self._address = str(target.address)

    def connect(self):
        self.sock = socket.create_connection((self._address, self.port), self.timeout)


class _PinnedHTTPSConnection(http.client.HTTPSConnection):
    """Connects to the checked address; the certificate is checked against the host name."""

    def __init__(self, target: Target, timeout: float):
        super().__init__(
            target.host, target.port, timeout=timeout, context=ssl.create_default_context()
        )
        self._address = str(target.address)

    def connect(self):
        sock = socket.create_connection((self._address, self.port), self.timeout)
        self.sock = self._context.wrap_socket(sock, server_hostname=self.host)


class WebhookError(Exception):
    pass


def post_json(url: str, body: bytes) -> int:
    """POST `body` to the webhook, checking the address first. Returns the status; raises
    WebhookError for a refused address, a redirect, an error status or a transport failure."""
    try:
        target = check(url)
    except ValidationError as error:
        raise WebhookError(" ".join(error.messages)) from error
    connection_class = _PinnedHTTPSConnection if target.scheme == "https" else _PinnedHTTPConnection
    connection = connection_class(target, timeout=settings.WEBHOOK_TIMEOUT)
    try:
        connection.request(
            "POST",
            target.path,
            body=body,
            headers={"Content-Type": "application/json", "User-Agent": "cong-6-ro"},
        )
        response = connection.getresponse()
        response.read(MAX_ANSWER_BYTES)
    except (OSError, http.client.HTTPException) as error:
        raise WebhookError(f"{type(error).__name__}: {error}") from error
    finally:
        connection.close()
    if 300 <= response.status < 400:
        raise WebhookError(
            _("Máy chủ webhook trả lời chuyển hướng (%(status)s); cổng không đi theo.")
            % {"status": response.status}
        )
    if response.status >= 400:
        raise WebhookError(
            _("Máy chủ webhook trả lời lỗi %(status)s.") % {"status": response.status}
        )
    return response.status
