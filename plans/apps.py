from django.apps import AppConfig
from django.db.models.signals import post_delete, post_save
from django.utils.translation import gettext_lazy as _


class PlansConfig(AppConfig):
    name = "plans"
    verbose_name = _("Kế hoạch và đơn vị")

    def ready(self):
        from accounts.models import User
        from plans.cache import reference_changed
        from plans.models import Plan, Unit

        for model in (Plan, Unit, User):
            for signal in (post_save, post_delete):
                uid = f"reference-{model.__name__}"
                signal.connect(reference_changed, sender=model, dispatch_uid=uid)
