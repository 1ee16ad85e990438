"""Comments on a task (ý kiến trao đổi), as Redmine users know them: a thread, oldest first,
where `@login` or `@Họ Tên` names a person who may see the task (they are notified through
tasks.notices), and several files may be attached to a comment or a progress update.

Everyone who may see the task may comment: Văn phòng, leaders and administrators, the lead unit
(and the units above it), the coordinating units (and those above them), the assignee.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from accounts.models import EVERYTHING_ROLES, Role, User
from plans.models import Unit
from plans.text import clean, fold
from tasks import notices, product_files
from tasks.models import Attachment, Comment, ProgressUpdate, Task, WarningRule
from tasks.permissions import units_above

MAX_LENGTH = 4000  # characters of a comment
MAX_FILES = 10  # files in one comment or progress update
MAX_TOTAL_MB = 50  # their size together
NAME_WORDS = 5  # the longest full name an @ is matched against

# An @ that starts a mention: not inside a word or an e-mail address.
_AT = re.compile(r"(?<![\w@])@(?=\w)")
_WORD = re.compile(r"[^\s@]+")
_TRAILING = ",.;:!?)]}\"'”’…"


def people_who_see(task: Task) -> QuerySet[User]:
    """Active people who may see `task` (tasks.permissions.get_task_for_user with coordinated):
    the same rule, asked the other way round. Reads `task.coordinating_units.all()`, so a
    prefetch serves it."""
    unit_ids = {task.lead_unit_id, *(unit.pk for unit in task.coordinating_units.all())}
    scope = Q(is_superuser=True) | Q(role__in=EVERYTHING_ROLES)
    if task.assignee_id:
        scope |= Q(pk=task.assignee_id)
    units = units_above(unit_ids - {None})
    if units:
        scope |= Q(unit_id__in=units)
    return User.objects.filter(scope, is_active=True).order_by("full_name", "username")


# --- @mentions ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Mention:
    start: int  # of the @
    end: int  # after the name or login
    written: str  # what follows the @, as typed
    people: tuple[User, ...]  # several when a full name is shared; none when nobody matched


def find_mentions(text: str, *, people: Iterable[User]) -> list[Mention]:
    """Each @ in `text` with whom it names among `people`: the longest full name (up to
    NAME_WORDS words, accents and case ignored) that follows it, else a login (case ignored)."""
    by_name: dict[str, list[User]] = {}
    by_login: dict[str, User] = {}
    for person in people:
        if person.full_name.strip():
            by_name.setdefault(fold(person.full_name), []).append(person)
        by_login[person.username.lower()] = person
    found = []
    for at in _AT.finditer(text):
        line_end = text.find("\n", at.end())
        words = []
        for word in _WORD.finditer(text, at.end(), line_end if line_end >= 0 else len(text)):
            words.append(word)
            if len(words) == NAME_WORDS or word.group().endswith(tuple(_TRAILING)):
                break
        mention = None
        for n in range(len(words), 0, -1):
            written = text[at.end() : words[n - 1].end()].rstrip(_TRAILING)
            if named := by_name.get(fold(written)):
                mention = Mention(at.start(), at.end() + len(written), written, tuple(named))
                break
        if mention is None and words:
            written = words[0].group().rstrip(_TRAILING)
            login = by_login.get(written.lower())
            end = at.end() + len(written)
            mention = Mention(at.start(), end, written, (login,) if login else ())
        if mention is not None:
            found.append(mention)
    return found


@dataclass
class Mentions:
    """Whom a comment names: `people` are notified; the rest is told to the poster."""

    people: list[User] = field(default_factory=list)
    not_found: list[str] = field(default_factory=list)
    cannot_see: list[str] = field(default_factory=list)
    ambiguous: list[str] = field(default_factory=list)


def resolve_mentions(text: str, *, task: Task) -> Mentions:
    everyone = User.objects.filter(is_active=True).only("pk", "username", "full_name")
    seeing = set(people_who_see(task).values_list("pk", flat=True))
    result = Mentions()
    for mention in find_mentions(text, people=everyone):
        label = f"@{mention.written}"
        visible = [person for person in mention.people if person.pk in seeing]
        if not mention.people:
            result.not_found.append(label)
        elif not visible:
            result.cannot_see.append(label)
        elif len(visible) > 1:
            result.ambiguous.append(label)
        elif visible[0] not in result.people:
            result.people.append(visible[0])
    return result


def comment_html(comment: Comment) -> SafeString:
    """The comment's text, escaped, with the people it mentions highlighted. Reads
    `comment.mentions.all()`, so a prefetch serves a whole thread."""
    text = comment.text
    parts, last = [], 0
    for mention in find_mentions(text, people=comment.mentions.all()):
        if len(mention.people) != 1:
            continue
        person = mention.people[0]
        parts.append(escape(text[last : mention.start]))
        parts.append(
            f'<mark class="mention" title="{escape(person.username)}">'
            f"@{escape(text[mention.start + 1 : mention.end])}</mark>"
        )
        last = mention.end
    parts.append(escape(text[last:]))
    return mark_safe("".join(parts).replace("\n", "<br>"))  # every part escaped above


# --- attachments -------------------------------------------------------------------------------


def check_files(files: Iterable) -> None:
    """Refuse, in Vietnamese and all at once, too many files, too much together, or any file
    tasks.product_files would not take."""
    files = list(files)
    errors = []
    if len(files) > MAX_FILES:
        errors.append(
            _("Chỉ đính kèm tối đa %(n)s tệp mỗi lần (đã chọn %(count)s tệp).")
            % {"n": MAX_FILES, "count": len(files)}
        )
    for upload in files:
        try:
            product_files.validate_upload(upload)
        except ValidationError as error:
            errors.extend(error.messages)
    total = sum(upload.size for upload in files)
    if total > MAX_TOTAL_MB * 1024 * 1024:
        errors.append(
            _("Các tệp đính kèm cộng lại quá lớn (%(size).1f MB); tối đa %(limit)s MB mỗi lần.")
            % {"size": total / 1024 / 1024, "limit": MAX_TOTAL_MB}
        )
    if errors:
        raise ValidationError(errors, code="attachments")


@contextmanager
def files_removed_on_error() -> Iterator[list[str]]:
    """Names of the files stored inside the block; removed from storage when the block fails
    (wrap the transaction in it, so that a failed commit removes them too)."""
    stored: list[str] = []
    try:
        yield stored
    except BaseException:
        storage = Attachment._meta.get_field("file").storage
        for name in stored:
            storage.delete(name)
        raise


def attach(
    *,
    files: Iterable,
    by: User,
    at: datetime,
    stored: list[str],
    comment: Comment | None = None,
    update: ProgressUpdate | None = None,
) -> list[Attachment]:
    """Store `files` (checked by `check_files`) for one comment or one progress update, adding
    each stored name to `stored` (from `files_removed_on_error`)."""
    attachments = []
    for upload in files:
        name = clean(product_files.download_name(upload.name))[:255] or "tep"
        attachment = Attachment(
            comment=comment,
            update=update,
            file=upload,
            original_name=name,
            size=upload.size,
            uploaded_by=by,
            created_at=at,
        )
        try:
            attachment.save()
        finally:
            if attachment.file.name and attachment.file._committed:
                stored.append(attachment.file.name)
        attachments.append(attachment)
    return attachments


# --- the comment ---------------------------------------------------------------------------------


@dataclass
class Posted:
    comment: Comment
    created: bool  # False: the same form was sent again, nothing new was written
    mentions: Mentions


def add_comment(
    *,
    task: Task,
    by: User,
    text: str,
    files: Iterable = (),
    token=None,
    at: datetime | None = None,
) -> Posted:
    """Add a comment with its files to the task's thread and notify the people it mentions.
    `token` (the form's) makes a repeated post of the same form return the first comment."""
    files = list(files)
    text = clean(text)
    if not text and not files:
        raise ValidationError({"text": _("Xin nhập ý kiến hoặc đính kèm tệp.")})
    if len(text) > MAX_LENGTH:
        raise ValidationError({"text": _("Ý kiến dài quá %(n)s ký tự.") % {"n": MAX_LENGTH}})
    check_files(files)
    if not people_who_see(task).filter(pk=by.pk).exists():
        raise PermissionDenied
    if token is not None and (earlier := _earlier(task, by, token)):
        return Posted(earlier, False, Mentions())
    mentions = resolve_mentions(text, task=task)
    at = at or timezone.now()
    try:
        with files_removed_on_error() as stored, transaction.atomic():
            comment = Comment(task=task, author=by, text=text, created_at=at)
            if token is not None:
                comment.token = token
            comment.save()
            comment.mentions.set(mentions.people)
            attach(files=files, by=by, at=at, stored=stored, comment=comment)
            _notify(comment, mentioned=mentions.people)
    except IntegrityError:
        # The same form posted twice at once: the other request wrote it.
        if token is not None and (earlier := _earlier(task, by, token)):
            return Posted(earlier, False, Mentions())
        raise
    return Posted(comment, True, mentions)


def _notify(comment: Comment, *, mentioned: list[User]) -> None:
    """The people mentioned hear of it; so do the lead unit's heads when the comment comes from
    outside their unit (Văn phòng, a leader, a coordinating unit), unless they were mentioned."""
    task, by = comment.task, comment.author
    excerpt = " ".join(comment.text.split())[:300]
    told = {by.pk, *(person.pk for person in mentioned)}
    notices.notify(
        task=task,
        rule=WarningRule.MENTIONED,
        key=comment.pk,
        message=_("%(who)s nhắc đến bạn: %(text)s") % {"who": by, "text": excerpt},
        recipients=[person.pk for person in mentioned if person.pk != by.pk],
        now=comment.created_at,
    )
    if task.lead_unit_id is None or by.unit_id in Unit.objects.descendant_ids({task.lead_unit_id}):
        return
    heads = User.objects.filter(role=Role.UNIT_HEAD, unit_id=task.lead_unit_id, is_active=True)
    notices.notify(
        task=task,
        rule=WarningRule.COMMENTED,
        key=comment.pk,
        message=_("%(who)s góp ý: %(text)s") % {"who": by, "text": excerpt or _("(tệp đính kèm)")},
        recipients=[pk for pk in heads.values_list("pk", flat=True) if pk not in told],
        now=comment.created_at,
    )


def _earlier(task: Task, by: User, token) -> Comment | None:
    return Comment.objects.filter(task=task, author=by, token=token).first()


def thread(task: Task) -> list[Comment]:
    """The task's comments, oldest first (as Redmine shows them), with their authors, files and
    mentions: four queries, whatever their number."""
    return list(task.comments.select_related("author").prefetch_related("attachments", "mentions"))
