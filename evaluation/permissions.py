"""Who evaluates whom (Nghị định 335/2025: the person's direct superior).

- a unit head evaluates the staff of their unit (and of the units below it); Văn phòng, which
  heads its own tasks in the portal (`tasks.permissions.heads_lead_unit`), evaluates its staff;
- a leader evaluates the heads (unit heads, Văn phòng) of the units they are in charge of;
- an administrator (superuser) may act for anyone; Văn phòng and leadership see every sheet;
- everyone sees their own sheet.

Units as bodies (`evaluation.units`): the leader in charge of a unit (or of one above it)
evaluates it; an administrator may act; Văn phòng and leadership read every unit's sheet; a unit
head reads their own unit's (and those below it). The units evaluated are those some leader is in
charge of, and the units below them.
"""

from __future__ import annotations

from django.http import Http404

from accounts.models import Role, User
from plans.models import Unit
from tasks.permissions import own_unit_ids, units_in_charge_ids

MANAGER_ROLES = (Role.UNIT_HEAD, Role.OFFICE)
EVALUATED_ROLES = (Role.STAFF, Role.UNIT_HEAD, Role.OFFICE)


def evaluatees(user):
    """The people `user` evaluates."""
    people = User.objects.filter(is_active=True, role__in=EVALUATED_ROLES).exclude(pk=user.pk)
    if not user.is_authenticated:
        return people.none()
    if user.is_superuser:
        return people
    if user.role in MANAGER_ROLES and user.unit_id:
        return people.filter(role=Role.STAFF, unit_id__in=own_unit_ids(user))
    if user.role == Role.LEADERSHIP:
        return people.filter(role__in=MANAGER_ROLES, unit_id__in=units_in_charge_ids(user))
    return people.none()


def visible_people(user):
    """Whose evaluations `user` may read: their own people, or everyone for those who oversee."""
    if user.is_authenticated and user.sees_everything:
        return User.objects.filter(is_active=True, role__in=EVALUATED_ROLES)
    return evaluatees(user)


def can_evaluate(user, person) -> bool:
    return evaluatees(user).filter(pk=person.pk).exists()


def get_person_for(user, pk) -> User:
    """The person whose sheet `user` asks for; 404 when they may not see it."""
    if user.is_authenticated and user.pk == int(pk):
        return user
    person = visible_people(user).select_related("unit").filter(pk=pk).first()
    if person is None:
        raise Http404
    return person


def is_manager(person) -> bool:
    return person.role in MANAGER_ROLES


def _units_led_by_someone() -> set[int]:
    roots = set(Unit.objects.filter(leaders_in_charge__isnull=False).values_list("pk", flat=True))
    return Unit.objects.descendant_ids(roots) if roots else set()


def evaluated_units(user):
    """The units `user` evaluates as bodies."""
    units = Unit.objects.filter(is_active=True)
    if not user.is_authenticated:
        return units.none()
    if user.is_superuser:
        return units.filter(pk__in=_units_led_by_someone())
    if user.role == Role.LEADERSHIP:
        return units.filter(pk__in=units_in_charge_ids(user))
    return units.none()


def visible_units(user):
    """The units whose sheets `user` may read."""
    units = Unit.objects.filter(is_active=True)
    if not user.is_authenticated:
        return units.none()
    if user.sees_everything:
        return units.filter(pk__in=_units_led_by_someone())
    if user.role in MANAGER_ROLES and user.unit_id:
        return units.filter(pk__in=own_unit_ids(user))
    return evaluated_units(user)


def may_see_units(user) -> bool:
    """Whether the evaluation pages offer the units' tab at all (one check, no query)."""
    return user.is_authenticated and (user.sees_everything or user.role in MANAGER_ROLES)


def can_evaluate_unit(user, unit) -> bool:
    return evaluated_units(user).filter(pk=unit.pk).exists()


def get_unit_for(user, pk) -> Unit:
    """The unit whose sheet `user` asks for; 404 when they may not see it."""
    unit = visible_units(user).filter(pk=pk).first()
    if unit is None:
        raise Http404
    return unit
