"""`tasks.bulk.insert_rows` and `insert_fanned_out`: what goes in comes back, whatever the
characters, on PostgreSQL (one array literal per column) and elsewhere (bulk_create)."""

from __future__ import annotations

import uuid
from datetime import date, datetime, time

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from tasks import bulk
from tasks.bulk import insert_fanned_out, insert_rows
from tasks.models import Alert, Channel, DeliveryState, Notification, WarningRule
from tests.factories import TaskFactory, UserFactory

pytestmark = pytest.mark.django_db

AWARE = timezone.make_aware(datetime.combine(date(2026, 12, 1), time(7, 0, 30, 250)))
TEXTS = ['"trích dẫn", {ngoặc} \\ gạch\\chéo', "", "NULL", "  hai  khoảng  ", "a,b"]


def test_every_value_comes_back_as_it_went_in():
    task = TaskFactory()
    columns = ["task_id", "occurrence_id", "rule", "threshold", "reference_date", "message"]
    columns += ["acknowledged_at"]
    rows = [
        (task.pk, None, WarningRule.OVERDUE, n, date(2026, 12, n + 1), text, AWARE if n else None)
        for n, text in enumerate(TEXTS)
    ]
    insert_rows(Alert, columns, rows, ignore_conflicts=True, batch=uuid.uuid4(), created_at=AWARE)
    stored = Alert.objects.order_by("threshold").values_list(*columns)
    assert list(stored) == rows
    assert set(Alert.objects.values_list("created_at", flat=True)) == {AWARE}


def test_conflicts_are_skipped_or_refused_as_asked():
    task = TaskFactory()
    columns = ["task_id", "rule", "threshold", "reference_date"]
    row = (task.pk, WarningRule.DUE_SOON, 3, date(2026, 12, 31))
    constants = {"batch": uuid.uuid4(), "created_at": AWARE}
    insert_rows(Alert, columns, [row], ignore_conflicts=True, **constants)
    insert_rows(Alert, columns, [row], ignore_conflicts=True, **constants)
    assert Alert.objects.count() == 1
    with pytest.raises(IntegrityError), transaction.atomic():
        insert_rows(Alert, columns, [row], ignore_conflicts=False, **constants)
    assert Alert.objects.count() == 1
    assert time(7, 0, 30, 250) == timezone.localtime(Alert.objects.get().created_at).time()


@pytest.mark.parametrize("chunk", [bulk.CHUNK, 1])
def test_each_member_of_a_group_gets_a_row_for_each_of_its_variants(chunk, monkeypatch):
    monkeypatch.setattr(bulk, "CHUNK", chunk)  # one group per statement: the counts add up
    task = TaskFactory()
    first, second = (
        Alert.objects.create(
            task=task,
            rule=WarningRule.OVERDUE,
            threshold=n,
            reference_date=date(2026, 12, 1),
            batch=uuid.uuid4(),
            created_at=AWARE,
        )
        for n in (1, 2)
    )
    portal, mail, silent = UserFactory(), UserFactory(), UserFactory()
    variants = {
        portal.pk: [(Channel.IN_APP, DeliveryState.SENT, AWARE)],
        mail.pk: [
            (Channel.IN_APP, DeliveryState.SENT, AWARE),
            (Channel.EMAIL, DeliveryState.PENDING, None),
        ],
    }
    groups = [(first.pk, [portal.pk, mail.pk]), (second.pk, [mail.pk, silent.pk])]
    columns = ["alert_id", "recipient_id", "channel", "state", "sent_at"]
    made = insert_fanned_out(
        Notification, columns, groups, variants, ignore_conflicts=False, created_at=AWARE
    )
    assert made == 5
    assert set(Notification.objects.values_list(*columns)) == {
        (first.pk, portal.pk, Channel.IN_APP, DeliveryState.SENT, AWARE),
        (first.pk, mail.pk, Channel.IN_APP, DeliveryState.SENT, AWARE),
        (first.pk, mail.pk, Channel.EMAIL, DeliveryState.PENDING, None),
        (second.pk, mail.pk, Channel.IN_APP, DeliveryState.SENT, AWARE),
        (second.pk, mail.pk, Channel.EMAIL, DeliveryState.PENDING, None),
    }
    assert set(Notification.objects.values_list("attempts", "last_error", "read_at")) == {
        (0, "", None)
    }
    insert_fanned_out(
        Notification, columns, groups, variants, ignore_conflicts=True, created_at=AWARE
    )
    assert Notification.objects.count() == 5
    assert insert_fanned_out(Notification, columns, [], variants, ignore_conflicts=True) == 0
