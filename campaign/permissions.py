"""Who may sign, register, approve, record bottlenecks and enter target figures.

- Everyone with a unit signs their own commitment; a unit head (Trưởng đơn vị) also signs for
  the unit they head.
- A member of a unit registers key, breakthrough and backlog tasks for it; Văn phòng, which
  consolidates the lists, for any unit. The leader in charge of the unit (or of a unit above it)
  approves or refuses (tasks.permissions: the same rule as deadline changes).
- A unit head records the unit's bottlenecks, Văn phòng any unit's; the person responsible, the
  unit head, the leader in charge and Văn phòng move it along.
- The unit responsible for a target (its head, or Văn phòng for Văn phòng's targets) enters the
  figures; a target the portal computes takes none.
"""

from __future__ import annotations

from django.db.models import Q

from accounts.models import Role
from campaign.models import Bottleneck, Campaign, Registration, RegistrationState
from plans.models import Target, Unit
from tasks.permissions import own_unit_ids, units_in_charge_ids


def may_sign_for_unit(user, unit: Unit | None) -> bool:
    return (
        unit is not None
        and user.is_authenticated
        and user.role == Role.UNIT_HEAD
        and user.unit_id == unit.pk
    )


def may_register(user, unit: Unit) -> bool:
    if not user.is_authenticated:
        return False
    return user.is_superuser or user.role == Role.OFFICE or user.unit_id == unit.pk


def may_decide_registration(user, registration: Registration) -> bool:
    if not user.is_authenticated or registration.state != RegistrationState.PENDING:
        return False
    if user.is_superuser:
        return True
    return user.role == Role.LEADERSHIP and registration.unit_id in units_in_charge_ids(user)


def may_record_bottleneck(user, unit: Unit) -> bool:
    if not user.is_authenticated:
        return False
    if user.is_superuser or user.role == Role.OFFICE:
        return True
    return user.role == Role.UNIT_HEAD and unit.pk in own_unit_ids(user)


def may_move_bottleneck(user, bottleneck: Bottleneck) -> bool:
    if not user.is_authenticated:
        return False
    if user.is_superuser or user.role == Role.OFFICE:
        return True
    if user.pk in (bottleneck.responsible_id, bottleneck.leader_id):
        return True
    if user.role == Role.LEADERSHIP:
        return bottleneck.unit_id in units_in_charge_ids(user)
    return user.role == Role.UNIT_HEAD and bottleneck.unit_id in own_unit_ids(user)


def unit_scope(user) -> Q:
    """What a person sees of registrations and bottlenecks: everything for leadership and
    Văn phòng; their unit (and those below it) and what names them otherwise."""
    if user.sees_everything:
        return Q()
    return Q(unit_id__in=own_unit_ids(user))


def bottlenecks_for(user, campaign: Campaign):
    scope = unit_scope(user)
    if not user.sees_everything:
        scope |= Q(responsible=user) | Q(leader=user)
    return campaign.bottlenecks.filter(scope)


def may_report_target(user, target: Target, *, computed: bool) -> bool:
    if computed or not user.is_authenticated:
        return False
    if user.is_superuser:
        return True
    if target.responsible_unit_id is None:
        return user.role == Role.OFFICE
    return user.role in (Role.UNIT_HEAD, Role.OFFICE) and user.unit_id == target.responsible_unit_id
