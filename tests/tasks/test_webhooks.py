"""Webhooks cannot be turned against the portal's own network (request forgery).

DNS is replaced in every test: nothing here touches the network, except a local server that
plays the chat system, reached only through the connection the portal opens to the checked
address.
"""

from __future__ import annotations

import http.server
import socket
import threading

import pytest
from django.contrib.admin.sites import site
from django.test import RequestFactory
from django.urls import reverse

from accounts.models import Role
from tasks import webhooks
from tasks.models import NotificationPreference
from tests.factories import UserFactory


@pytest.fixture
def dns(monkeypatch):
    """A fake resolver: host → addresses, changeable during the test."""
    table: dict[str, list[str]] = {"chat.example.vn": ["93.184.216.34"]}

    def resolve(host, port):
        if host not in table:
            raise socket.gaierror("no such host")
        return table[host]

    monkeypatch.setattr(webhooks, "resolve", resolve)
    return table


@pytest.mark.parametrize(
    "address",
    [
        "127.0.0.1",
        "127.8.8.8",
        "10.1.2.3",
        "172.16.0.9",
        "192.168.1.1",
        "169.254.169.254",  # cloud metadata
        "100.100.100.200",  # metadata in the shared range
        "0.0.0.0",
        "::1",
        "::ffff:127.0.0.1",
        "fd00:ec2::254",
        "fe80::1",
        "224.0.0.1",
        "240.0.0.1",
    ],
)
def test_a_name_resolving_to_an_internal_address_is_refused(dns, address):
    dns["chat.example.vn"] = ["93.184.216.34", address]
    with pytest.raises(webhooks.ValidationError) as error:
        webhooks.check("https://chat.example.vn/hook")
    assert "địa chỉ nội bộ hoặc đặc biệt" in error.value.messages[0]


@pytest.mark.parametrize(
    "url",
    [
        "http://chat.example.vn/hook",
        "ftp://chat.example.vn/hook",
        "file:///etc/passwd",
        "gopher://chat.example.vn/",
        "https://user:secret@chat.example.vn/hook",
        "https:///hook",
        "https://chat.example.vn:99999/",
    ],
)
def test_only_plain_https_addresses_are_accepted(dns, url):
    with pytest.raises(webhooks.ValidationError):
        webhooks.check(url)


def test_a_public_https_address_is_accepted_and_pinned(dns):
    target = webhooks.check("https://chat.example.vn/hook?room=5")
    assert (target.scheme, target.host, target.port, target.path) == (
        "https",
        "chat.example.vn",
        443,
        "/hook?room=5",
    )
    assert str(target.address) == "93.184.216.34"


def test_a_host_the_administrator_lists_may_use_http_and_a_private_address(dns, settings):
    settings.WEBHOOK_ALLOWED_HOSTS = ["chat.so.local"]
    dns["chat.so.local"] = ["10.0.0.5"]
    assert str(webhooks.check("http://chat.so.local/hook").address) == "10.0.0.5"
    # ...but never this machine or the metadata service.
    dns["chat.so.local"] = ["127.0.0.1"]
    with pytest.raises(webhooks.ValidationError):
        webhooks.check("http://chat.so.local/hook")
    dns["chat.so.local"] = ["169.254.169.254"]
    with pytest.raises(webhooks.ValidationError):
        webhooks.check("http://chat.so.local/hook")


def test_an_unknown_host_is_refused_with_a_message(dns):
    with pytest.raises(webhooks.ValidationError) as error:
        webhooks.check("https://khong-co.example.vn/hook")
    assert "Không tìm thấy máy chủ" in error.value.messages[0]


@pytest.mark.django_db
def test_the_preferences_page_refuses_an_internal_address(client, dns):
    user = UserFactory()
    client.force_login(user)
    dns["chat.example.vn"] = ["127.0.0.1"]
    response = client.post(
        reverse("alerts:preferences"), {"webhook_url": "https://chat.example.vn/hook"}
    )
    assert response.status_code == 200
    assert "địa chỉ nội bộ hoặc đặc biệt" in response.content.decode()
    response = client.post(
        reverse("alerts:preferences"), {"webhook_url": "http://127.0.0.1:8765/x"}
    )
    assert "https://" in response.content.decode()
    assert not NotificationPreference.objects.filter(user=user).exclude(webhook_url="").exists()
    dns["chat.example.vn"] = ["93.184.216.34"]
    response = client.post(
        reverse("alerts:preferences"), {"webhook_url": "https://chat.example.vn/hook"}
    )
    assert response.status_code == 302
    assert NotificationPreference.objects.get(user=user).webhook_url == (
        "https://chat.example.vn/hook"
    )


class ChatServer(http.server.BaseHTTPRequestHandler):
    """Plays the chat system: records each request, answers with `answer`."""

    received: list = []
    answer = 200

    def do_POST(self):
        length = int(self.headers["Content-Length"])
        type(self).received.append((self.headers["Host"], self.path, self.rfile.read(length)))
        self.send_response(self.answer)
        self.send_header("Location", "http://127.0.0.1:1/elsewhere")
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"ok")

    def log_message(self, *args):
        pass


@pytest.fixture
def chat_server(monkeypatch, settings):
    """A local server standing in for the public chat.example.vn: the portal's connection to the
    checked (public) address is redirected to it, and the address asked for is recorded."""
    ChatServer.received, ChatServer.answer = [], 200
    server = http.server.HTTPServer(("127.0.0.1", 0), ChatServer)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    connected = []
    real_connect = socket.create_connection

    def create_connection(address, timeout=None, *args, **kwargs):
        connected.append((address, timeout))
        return real_connect(server.server_address, timeout)

    monkeypatch.setattr(webhooks.socket, "create_connection", create_connection)
    settings.WEBHOOK_ALLOWED_HOSTS = ["chat.example.vn"]  # plain http for the test server
    yield connected
    server.shutdown()
    server.server_close()


def test_a_message_goes_to_the_checked_address_with_the_host_name(dns, chat_server, settings):
    status = webhooks.post_json("http://chat.example.vn/hook?room=5", b'{"text": "x"}')
    assert status == 200
    assert chat_server == [(("93.184.216.34", 80), settings.WEBHOOK_TIMEOUT)]
    assert ChatServer.received == [("chat.example.vn", "/hook?room=5", b'{"text": "x"}')]
    assert settings.WEBHOOK_TIMEOUT <= 10


def test_a_name_that_changes_to_an_internal_address_after_saving_is_refused_at_send(
    dns, chat_server
):
    webhooks.check("http://chat.example.vn/hook")  # as saved
    dns["chat.example.vn"] = ["127.0.0.1"]  # DNS rebinding
    with pytest.raises(webhooks.WebhookError, match="nội bộ"):
        webhooks.post_json("http://chat.example.vn/hook", b"{}")
    assert chat_server == [] and ChatServer.received == []


def test_a_redirect_is_not_followed(dns, chat_server):
    ChatServer.answer = 302
    with pytest.raises(webhooks.WebhookError, match="chuyển hướng"):
        webhooks.post_json("http://chat.example.vn/hook", b"{}")
    assert len(ChatServer.received) == 1 and len(chat_server) == 1


def test_an_error_status_is_a_failure(dns, chat_server):
    ChatServer.answer = 500
    with pytest.raises(webhooks.WebhookError, match="500"):
        webhooks.post_json("http://chat.example.vn/hook", b"{}")


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("role", "superuser", "may_change_others"),
    [
        (Role.STAFF, False, False),
        (Role.UNIT_HEAD, False, False),
        (Role.LEADERSHIP, False, False),
        (Role.OFFICE, False, True),
        (Role.ADMIN, False, True),
        (Role.STAFF, True, True),
    ],
)
def test_only_van_phong_or_the_administrator_set_someone_elses_webhook(
    role, superuser, may_change_others
):
    from django.contrib.auth.models import Permission

    admin = site._registry[NotificationPreference]
    user = UserFactory(role=role, is_staff=True, is_superuser=superuser)
    user.user_permissions.set(
        Permission.objects.filter(content_type__model="notificationpreference")
    )
    user = type(user).objects.get(pk=user.pk)  # fresh permission cache
    request = RequestFactory().get("/")
    request.user = user
    someone = NotificationPreference.objects.create(user=UserFactory())
    mine = NotificationPreference.objects.create(user=user)
    assert admin.has_change_permission(request, someone) is may_change_others
    assert admin.has_add_permission(request) is may_change_others
    assert admin.has_delete_permission(request, someone) is may_change_others
    assert admin.has_change_permission(request, mine) is True
    assert admin.has_view_permission(request, someone)
