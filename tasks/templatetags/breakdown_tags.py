from django import template

from tasks import breakdown

register = template.Library()


@register.inclusion_tag("tasks/_breakdown.html", takes_context=True)
def breakdown_section(context):
    """The task page's "Nhiệm vụ con" section (tasks.breakdown.page_context)."""
    request, task = context["request"], context["task"]
    return {
        "task": task,
        "request": request,
        "csrf_token": context.get("csrf_token"),
        **breakdown.page_context(task, today=context["today"], may_assign=context["may_assign"]),
    }
