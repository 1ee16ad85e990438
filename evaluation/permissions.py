"""Who evaluates whom (Nghị định 335/2025: the person's direct superior).

- a unit head evaluates the staff of their unit (and of the units below it); Văn phòng, which
  heads its own tasks in the portal (`tasks.permissions.heads_lead_unit`), evaluates its staff;
- a leader evaluates the heads (unit heads, Văn phòng) of the units they are in charge of;
- an administrator (superuser) may act for anyone; Văn phòng and leadership see every sheet;
- everyone sees their own sheet.
"""

from __future__ import annotations

from django.http import Http404

from accounts.models import Role, User
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
