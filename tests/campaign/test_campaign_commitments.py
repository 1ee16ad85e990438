from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.urls import reverse

from campaign import figures, services
from campaign.models import Commitment, RegistrationKind
from tests.campaign.conftest import HTMX

NOW = datetime(2026, 6, 3, 9, 0, tzinfo=ZoneInfo("Asia/Ho_Chi_Minh"))


def test_everyone_of_the_department_but_administrators_is_expected_to_sign(world):
    status = figures.round_status(world.round)
    assert len(status.people) == 8
    assert status.signed == 0 and status.rate == 0
    assert [unit for unit, _c in status.units] == [world.unit_a, world.unit_b]


def test_signing_twice_signs_once_and_keeps_the_first_text(world):
    first, created = services.sign_commitment(round=world.round, by=world.staff_a, at=NOW)
    world.round.text = "Nội dung khác"
    world.round.save()
    again, created_again = services.sign_commitment(round=world.round, by=world.staff_a, at=NOW)
    assert created and not created_again
    assert again.pk == first.pk
    assert Commitment.objects.get().text == "Tôi cam kết hoàn thành nhiệm vụ đúng hạn."
    assert first.signed_on.isoformat() == "2026-06-03"


def test_a_signed_commitment_cannot_be_changed_or_deleted(world):
    commitment, _created = services.sign_commitment(round=world.round, by=world.staff_a, at=NOW)
    commitment.text = "sửa"
    with pytest.raises(ValueError):
        commitment.save()
    with pytest.raises(ValueError):
        commitment.delete()


def test_only_the_unit_head_signs_for_the_unit(world):
    with pytest.raises(ValidationError):
        services.sign_commitment(round=world.round, by=world.staff_a, for_unit=world.unit_a)
    with pytest.raises(ValidationError):
        services.sign_commitment(round=world.round, by=world.head_b, for_unit=world.unit_a)
    _c, created = services.sign_commitment(
        round=world.round, by=world.head_a, for_unit=world.unit_a, at=NOW
    )
    assert created
    status = figures.round_status(world.round)
    assert status.units_signed == 1
    assert status.signed == 0  # the unit's commitment is not the head's own


def test_the_commitment_keeps_the_registrations_as_they_read_when_signed(world):
    registration = services.register(
        campaign=world.campaign,
        unit=world.unit_a,
        kind=RegistrationKind.KEY,
        by=world.staff_a,
        title="Số hóa hồ sơ lưu trữ",
        due_date=NOW.date(),
        at=NOW,
    )
    commitment, _ = services.sign_commitment(
        round=world.round, by=world.staff_a, registrations=[registration], at=NOW
    )
    registration.title = "Đổi tên"
    registration.save()
    commitment.refresh_from_db()
    assert commitment.registered[0]["title"] == "Số hóa hồ sơ lưu trữ"
    assert commitment.registered[0]["kind_label"] == "Nhiệm vụ trọng tâm"


def test_the_reminder_reaches_each_person_not_signed_once_a_day(world):
    services.sign_commitment(round=world.round, by=world.staff_a, at=NOW)
    sent = services.remind_unsigned(round=world.round, now=NOW)
    assert sent == 7
    recipients = {m.to[0] for m in mail.outbox}
    assert "sa@example.org" not in recipients and "ha@example.org" in recipients
    assert mail.outbox[0].subject == "[6 rõ] Nhắc ký cam kết: Đợt 1"
    assert services.remind_unsigned(round=world.round, now=NOW) == 0
    assert len(mail.outbox) == 7


# --- views -----------------------------------------------------------------------------------


def sign_data(scope="person", **extra):
    return {"scope": scope, f"{scope}-agree": "on", f"{scope}-own_works": "Sáng kiến A", **extra}


def test_a_staff_member_signs_with_a_plain_post(client, world):
    client.force_login(world.staff_a)
    url = reverse("campaign:sign", args=[world.campaign.pk])
    assert "Ký cam kết" in client.get(url).content.decode()
    response = client.post(url, sign_data())
    assert response.status_code == 302
    commitment = Commitment.objects.get()
    assert commitment.signer == world.staff_a and commitment.own_works == "Sáng kiến A"


def test_signing_through_htmx_returns_the_signed_box_and_a_double_click_signs_once(client, world):
    client.force_login(world.staff_a)
    url = reverse("campaign:sign", args=[world.campaign.pk])
    first = client.post(url, sign_data(), headers=HTMX)
    second = client.post(url, sign_data(), headers=HTMX)
    assert 'data-signed="person"' in first.content.decode()
    assert "<html" not in first.content.decode()
    assert second.status_code == 200
    assert Commitment.objects.count() == 1


def test_signing_without_agreeing_shows_the_error(client, world):
    client.force_login(world.staff_a)
    url = reverse("campaign:sign", args=[world.campaign.pk])
    response = client.post(url, {"scope": "person"}, headers=HTMX)
    assert "error" in response.content.decode()
    assert not Commitment.objects.exists()


def test_a_staff_member_may_not_sign_for_the_unit(client, world):
    client.force_login(world.staff_a)
    url = reverse("campaign:sign", args=[world.campaign.pk])
    assert client.post(url, sign_data("unit")).status_code == 403


def test_the_unit_head_signs_for_the_unit(client, world):
    client.force_login(world.head_a)
    url = reverse("campaign:sign", args=[world.campaign.pk])
    assert "Cam kết của đơn vị" in client.get(url).content.decode()
    client.post(url, sign_data("unit"))
    assert Commitment.objects.get().unit == world.unit_a


def test_the_hub_tells_who_has_not_signed_what_to_do(client, world):
    client.force_login(world.staff_b)
    page = client.get(reverse("campaign:hub")).content.decode()
    assert "Bạn chưa ký cam kết" in page
    services.sign_commitment(round=world.round, by=world.staff_b, at=NOW)
    page = client.get(reverse("campaign:hub")).content.decode()
    assert "Bạn chưa ký cam kết" not in page


def test_the_office_sees_who_has_and_has_not_signed(client, world, django_assert_max_num_queries):
    services.sign_commitment(round=world.round, by=world.staff_a, at=NOW)
    client.force_login(world.office)
    url = reverse("campaign:round", args=[world.campaign.pk])
    with django_assert_max_num_queries(10):
        page = client.get(url).content.decode()
    assert "1/8 người đã ký (12%)" in page
    assert page.count("Chưa ký") == 7 + 2  # seven people, two units


def test_staff_may_not_see_the_signing_list_nor_chase(client, world):
    client.force_login(world.staff_a)
    assert client.get(reverse("campaign:round", args=[world.campaign.pk])).status_code == 403
    assert client.post(reverse("campaign:remind", args=[world.campaign.pk])).status_code == 403
    assert not mail.outbox


def test_the_office_chases_both_ways(client, world):
    client.force_login(world.office)
    url = reverse("campaign:remind", args=[world.campaign.pk])
    response = client.post(url, headers=HTMX)
    assert "Đã gửi thư nhắc tới 8 người" in response.content.decode()
    assert client.post(url).status_code == 302
    assert len(mail.outbox) == 8
