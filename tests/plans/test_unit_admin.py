"""The units in the admin: a name that is another's in disguise is a form error, not a 500."""

from __future__ import annotations

import unicodedata

import pytest
from django.urls import reverse

from plans.models import Unit, UnitKind
from tests.factories import UnitFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client):
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    return client


@pytest.mark.parametrize(
    "typed",
    [
        unicodedata.normalize("NFD", "Phòng Kinh tế"),
        "Phòng   Kinh tế ",
        "  Phòng\u00a0Kinh\ttế",
    ],
)
def test_a_name_equal_to_a_sibling_after_normalising_is_a_form_error(admin_client, typed):
    department = UnitFactory(name="Sở Khoa học và Công nghệ")
    UnitFactory(name="Phòng Kinh tế", parent=department)
    response = admin_client.post(
        reverse("admin:plans_unit_add"),
        {
            "name": typed,
            "short_name": "",
            "aliases": "[]",
            "kind": UnitKind.DIVISION,
            "parent": department.pk,
            "order": 0,
            "is_active": "on",
        },
    )
    assert response.status_code == 200
    assert "Đã có một đơn vị cùng tên trực thuộc đơn vị này." in response.content.decode()
    assert Unit.objects.filter(parent=department).count() == 1


def test_the_same_name_under_another_parent_is_fine_and_stored_clean(admin_client):
    first, second = UnitFactory(name="Sở A"), UnitFactory(name="Sở B")
    UnitFactory(name="Văn phòng", parent=first)
    response = admin_client.post(
        reverse("admin:plans_unit_add"),
        {
            "name": unicodedata.normalize("NFD", "Văn  phòng"),
            "short_name": "",
            "aliases": "[]",
            "kind": UnitKind.DIVISION,
            "parent": second.pk,
            "order": 0,
            "is_active": "on",
        },
    )
    assert response.status_code == 302
    assert Unit.objects.get(parent=second).name == "Văn phòng"
