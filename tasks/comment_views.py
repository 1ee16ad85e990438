"""The comment thread of a task's page: post a comment (htmx or plain form), download a file
attached to a comment or a progress update."""

from __future__ import annotations

import uuid

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from tasks import product_files
from tasks.comments import add_comment, people_who_see, thread
from tasks.forms import CommentForm
from tasks.models import Attachment, Task
from tasks.permissions import get_task_for_user
from tasks.timeline import timeline

THREAD_PARTIAL = "tasks/task_detail.html#comment-thread"


def thread_context(task: Task, *, form: CommentForm | None = None) -> dict:
    """What the thread shows: the comments (oldest first), the form, whom @ may name."""
    return {
        "comments": thread(task),
        "comment_form": form or CommentForm(initial={"token": uuid.uuid4()}),
        "mention_people": list(people_who_see(task).only("pk", "username", "full_name")),
    }


def _told(posted) -> list[tuple[str, str]]:
    """(level, sentence) for the poster: the comment, and the @ that named nobody notified."""
    said = [("success", _("Đã ghi ý kiến."))]
    mentions = posted.mentions
    if mentions.people:
        names = ", ".join(str(person) for person in mentions.people)
        said.append(("success", _("Đã báo cho: %(names)s.") % {"names": names}))
    if mentions.not_found:
        said.append(
            (
                "warning",
                _("Không tìm thấy người dùng: %(names)s.")
                % {"names": ", ".join(mentions.not_found)},
            )
        )
    if mentions.cannot_see:
        said.append(
            (
                "warning",
                _("Không báo cho %(names)s: người này không được xem nhiệm vụ.")
                % {"names": ", ".join(mentions.cannot_see)},
            )
        )
    if mentions.ambiguous:
        said.append(
            (
                "warning",
                _("%(names)s trùng tên nhiều người: xin nhắc bằng tên đăng nhập (@ten_dang_nhap).")
                % {"names": ", ".join(mentions.ambiguous)},
            )
        )
    return said


@require_POST
@login_required
def task_comment(request, pk: int):
    """Post a comment: htmx gets the thread back (with a fresh form) and the history, a plain
    post goes back to the task's page; a refused one is shown again with its errors."""
    task = get_task_for_user(request.user, pk, coordinated=True)
    form = CommentForm(request.POST, request.FILES)
    if form.is_valid():
        data = form.cleaned_data
        try:
            posted = add_comment(
                task=task,
                by=request.user,
                text=data["text"],
                files=data["files"],
                token=data["token"],
            )
        except ValidationError as error:
            form.add_error(None, error.messages)
        else:
            told = _told(posted)
            if not request.htmx:
                for level, sentence in told:
                    getattr(messages, level)(request, sentence)
                return redirect(reverse("tasks:detail", args=[task.pk]) + "#comments")
            context = {"task": task, "told": told, **thread_context(task)}
            context["history"] = timeline(
                task,
                notes=task.coordination_notes.select_related("unit", "author"),
                comments=context["comments"],
                updates=task.updates.select_related("author").prefetch_related("attachments"),
            )
            # The thread, and the history out of band: the comment is in both at once.
            return render(request, "tasks/task_detail.html#comment-posted", context)
    context = {"task": task, **thread_context(task, form=form)}
    if request.htmx:
        return render(request, THREAD_PARTIAL, context)
    here = reverse("tasks:detail", args=[task.pk])
    return render(
        request, "tasks/task_form.html", {**context, "partial": THREAD_PARTIAL, "here": here}
    )


@login_required
def attachment_file(request, pk: int):
    """A file attached to a comment or a progress update, to those who may see its task (404
    to others), always as a download under the name it was uploaded with."""
    attachment = get_object_or_404(Attachment.objects.select_related("comment", "update"), pk=pk)
    owner = attachment.comment or attachment.update
    get_task_for_user(request.user, owner.task_id, coordinated=True)
    return product_files.file_response(attachment.file, name=attachment.original_name)
