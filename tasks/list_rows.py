"""The task list's rows, drawn once per version of a task and kept in the cache.

The list is the page people open most, and drawing its 25 six-rõ rows (reading each task whole
with its plan, units and people, then some 1,300 template nodes) was most of its cost. A row's
cells depend only on:
- the task, whose `updated_at` moves with every save (set-based writes set it too, as the
  dashboard's shares already require: tasks.unit_shares);
- the names it shows — plans, units, people — under their version (plans.cache);
- the day, since punctuality follows the calendar, and the language;
- the code that draws it (`plans.cache.release`: the templates, code and catalogues).

So the page reads its 25 ids with those versions, takes the rows the cache holds and draws
only the others. What depends on the person looking — the pick box of the bulk bar — is drawn
by the page around the cached cells, from the few columns read with the ids.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from django.core.paginator import Page, Paginator
from django.db.models import Count, Prefetch, QuerySet, Window
from django.template.loader import get_template
from django.urls import reverse
from django.utils.safestring import SafeString
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from plans.cache import cache_get_many, cache_set_many, reference_version, release

ROW_PARTIAL = "tasks/task_list.html#task-cells"
KEPT_SECONDS = 12 * 3600  # the key holds the day: a row is not wanted the next one
# What the page reads with each id: the row's version, and what the pick box needs.
COLUMNS = ("pk", "updated_at", "lead_unit_id", "assignee_id", "order_label")
MAX_PAGE = 1_000_000


@dataclass
class Row:
    """One task of the page: what the pick box reads, and the cached cells."""

    pk: int
    updated_at: datetime
    lead_unit_id: int | None
    assignee_id: int | None
    order_label: str
    cells: SafeString = field(default=SafeString(""))
    may_update: bool = False
    may_assign: bool = False
    picked: bool = False


def labels() -> dict[str, str]:
    """The words repeated in every row, translated once per drawing."""
    return {
        "stt": _("STT"),
        "viec": _("Việc"),
        "chu_tri": _("Chủ trì"),
        "nguoi": _("Người"),
        "thoi_gian": _("Thời gian"),
        "tham_quyen": _("Thẩm quyền"),
        "tinh_trang": _("Tình trạng"),
        "cap_nhat": _("Cập nhật gần nhất"),
        "as_written": _("Như trong văn bản"),
        "unknown": _("chưa rõ"),
        "phoi_hop": _("Phối hợp:"),
        "ket_qua": _("Kết quả:"),
        "con_thieu": _("Còn thiếu:"),
        "du": _("Đủ 6 rõ"),
        "chua_giao": _("chưa giao"),
        "xem_lai": _("cần xem lại"),
        "chua_co": _("chưa có"),
    }


def page_of(tasks: QuerySet, number, *, per_page: int) -> Page:
    """The page `number` of `tasks` as `Paginator.get_page` finds it (not a number: the first;
    past the end: the last), holding the tuples of `COLUMNS`. The total comes with the page's
    rows, counted by the same query (COUNT(*) OVER ()), where the paginator would count first."""
    refs = tasks.annotate(listed_total=Window(Count("pk"))).values_list(*COLUMNS, "listed_total")
    paginator = Paginator(refs, per_page)
    try:
        # Past any list there is (25 million tasks): read as "past the end", not sent to the
        # database as an offset it cannot hold.
        wanted = min(max(int(number), 1), MAX_PAGE)
    except (TypeError, ValueError):
        wanted = 1
    rows = list(refs[(wanted - 1) * per_page : wanted * per_page])
    paginator.count = rows[0][-1] if rows else (tasks.count() if wanted > 1 else 0)
    page = paginator.get_page(wanted)
    if page.number != wanted:  # past the end: the last page, read again
        rows = list(refs[(page.number - 1) * per_page : page.number * per_page])
    page.object_list = [row[:-1] for row in rows]
    return page


def _key(row: Row, *, prefix: str) -> str:
    return f"{prefix}:{row.pk}:{row.updated_at.timestamp()}"


def page_rows(refs, tasks: QuerySet, *, today: date) -> list[Row]:
    """The rows of a page, in the order of `refs` (tuples of `COLUMNS`), with their cells: from
    the cache, or drawn from `tasks` (the list's queryset, punctuality annotated) for those it
    does not hold, which are then kept."""
    rows = [Row(*ref) for ref in refs]
    prefix = f"task-row:{release()}:{get_language()}:{today.isoformat()}:{reference_version()}"
    keys = {row.pk: _key(row, prefix=prefix) for row in rows}
    held = cache_get_many(list(keys.values()))
    missing = {row.pk: row for row in rows if keys[row.pk] not in held}
    if missing:
        drawn = _draw(tasks.filter(pk__in=list(missing)))
        held.update({keys[pk]: html for pk, (_version, html) in drawn.items()})
        # Kept only under the version it shows: a task saved since its id was read is drawn
        # as it is now, and drawn again next time.
        cache_set_many(
            {
                keys[pk]: html
                for pk, (version, html) in drawn.items()
                if version == missing[pk].updated_at
            },
            KEPT_SECONDS,
        )
    for row in rows:
        row.cells = SafeString(held.get(keys[row.pk], ""))
    return [row for row in rows if keys[row.pk] in held]  # one deleted meanwhile is left out


def _draw(tasks: QuerySet) -> dict[int, tuple[datetime, str]]:
    """{pk: (its version, the row's cells)} of `tasks`, read whole in two queries."""
    found = (
        tasks.select_related("plan", "lead_unit", "assignee", "authority_user")
        .prefetch_related(Prefetch("coordinating_units", to_attr="coordinating"))
        .in_bulk()
    )
    template, words = get_template(ROW_PARTIAL), labels()
    drawn = {}
    for pk, task in found.items():
        task.url = reverse("tasks:detail", args=[pk])
        task.coordinating_names = ", ".join(unit.display_name for unit in task.coordinating)
        drawn[pk] = (task.updated_at, template.render({"task": task, "l": words}))
    return drawn
