from __future__ import annotations

import secrets

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    LEADERSHIP = "leadership", _("Lãnh đạo")
    OFFICE = "office", _("Văn phòng")
    UNIT_HEAD = "unit_head", _("Trưởng đơn vị")
    STAFF = "staff", _("Chuyên viên")
    ADMIN = "admin", _("Quản trị")


# Roles that see every task (with administrators): tasks.models.TaskQuerySet.visible_to.
EVERYTHING_ROLES = (Role.LEADERSHIP, Role.OFFICE, Role.ADMIN)


def person_name(full_name: str, first_name: str, last_name: str, username: str) -> str:
    """How a person is named everywhere: the full name, else first and last, else the login."""
    return full_name or f"{first_name} {last_name}".strip() or username


class User(AbstractUser):
    full_name = models.CharField(_("họ và tên"), max_length=150, blank=True)
    unit = models.ForeignKey(
        "plans.Unit",
        verbose_name=_("đơn vị"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="members",
    )
    title = models.CharField(_("chức vụ"), max_length=150, blank=True)
    role = models.CharField(_("vai trò"), max_length=20, choices=Role.choices, default=Role.STAFF)
    units_in_charge = models.ManyToManyField(
        "plans.Unit",
        verbose_name=_("đơn vị phụ trách"),
        blank=True,
        related_name="leaders_in_charge",
        help_text=_("Lãnh đạo phụ trách các đơn vị này."),
    )

    class Meta:
        verbose_name = _("người dùng")
        verbose_name_plural = _("người dùng")
        ordering = ["full_name", "username"]

    def __str__(self) -> str:
        return person_name(self.full_name, self.first_name, self.last_name, self.username)

    @staticmethod
    def choice_labels(people) -> list[tuple[int, str]]:
        """(pk, name as str() writes it) of each person, read as values: a select of hundreds
        of people need not build hundreds of users (tasks.forms.select_options)."""
        fields = ("pk", "full_name", "first_name", "last_name", "username")
        return [(pk, person_name(*names)) for pk, *names in people.values_list(*fields)]

    @property
    def sees_everything(self) -> bool:
        return self.is_superuser or self.role in EVERYTHING_ROLES


class CalendarFeed(models.Model):
    """The secret address of a person's deadline calendar (iCal), for Outlook or a phone.

    The key is the only credential a calendar application can send, so it is long and random,
    and a new one replaces it (the old address stops working) whenever the person asks.
    """

    user = models.OneToOneField(
        User, verbose_name=_("người dùng"), on_delete=models.CASCADE, related_name="calendar_feed"
    )
    key = models.CharField(_("khóa"), max_length=64, unique=True)
    created_at = models.DateTimeField(_("ngày tạo"), auto_now=True)

    class Meta:
        verbose_name = _("lịch iCal")
        verbose_name_plural = _("lịch iCal")

    def __str__(self) -> str:
        return str(self.user)

    @classmethod
    def for_user(cls, user: User) -> CalendarFeed:
        feed, _created = cls.objects.get_or_create(
            user=user, defaults={"key": secrets.token_urlsafe(32)}
        )
        return feed

    @classmethod
    def renew(cls, user: User) -> CalendarFeed:
        feed = cls.for_user(user)
        feed.key = secrets.token_urlsafe(32)
        feed.save(update_fields=["key", "created_at"])
        return feed
