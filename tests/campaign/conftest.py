from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import pytest

from accounts.models import Role, User
from campaign.models import Campaign, CommitmentRound
from plans.models import Unit, UnitKind
from tests.factories import PlanFactory, UnitFactory, UserFactory

HTMX = {"HX-Request": "true"}


@dataclass
class World:
    department: Unit
    unit_a: Unit
    unit_b: Unit
    office: User
    leader_a: User
    leader_b: User
    head_a: User
    staff_a: User
    staff_a2: User
    head_b: User
    staff_b: User
    campaign: Campaign
    round: CommitmentRound


@pytest.fixture
def world(db) -> World:
    department = UnitFactory(name="Sở Thử nghiệm", kind=UnitKind.DEPARTMENT)
    office_unit = UnitFactory(name="Văn phòng Sở", parent=department)
    unit_a = UnitFactory(name="Phòng A", parent=department)
    unit_b = UnitFactory(name="Phòng B", parent=department)
    board = UnitFactory(name="Ban Giám đốc", parent=department, kind=UnitKind.LEADERSHIP)
    office = UserFactory(role=Role.OFFICE, unit=office_unit, email="vp@example.org")
    leader_a = UserFactory(role=Role.LEADERSHIP, unit=board, email="lda@example.org")
    leader_a.units_in_charge.add(unit_a)
    leader_b = UserFactory(role=Role.LEADERSHIP, unit=board, email="ldb@example.org")
    leader_b.units_in_charge.add(unit_b)
    head_a = UserFactory(role=Role.UNIT_HEAD, unit=unit_a, email="ha@example.org")
    staff_a = UserFactory(unit=unit_a, email="sa@example.org")
    staff_a2 = UserFactory(unit=unit_a, email="sa2@example.org")
    head_b = UserFactory(role=Role.UNIT_HEAD, unit=unit_b, email="hb@example.org")
    staff_b = UserFactory(unit=unit_b, email="sb@example.org")
    UserFactory(role=Role.ADMIN, unit=office_unit)  # administrators do not sign
    UserFactory(unit=UnitFactory(name="Sở khác"))  # outside the campaign
    plan = PlanFactory(issuing_unit=department, short_name="KH thi đua")
    campaign = Campaign.objects.create(
        plan=plan, started_on=date(2026, 6, 1), targets_due_on=date(2027, 9, 30)
    )
    round = CommitmentRound.objects.create(
        campaign=campaign,
        title="Đợt 1",
        text="Tôi cam kết hoàn thành nhiệm vụ đúng hạn.",
        opened_on=date(2026, 6, 1),
        due_on=date(2026, 6, 5),
        opened_by=office,
    )
    return World(
        department, unit_a, unit_b, office, leader_a, leader_b, head_a, staff_a, staff_a2,
        head_b, staff_b, campaign, round,
    )  # fmt: skip
