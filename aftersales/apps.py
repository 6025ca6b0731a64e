from django.apps import AppConfig
from django.db.models.signals import post_migrate


class AftersalesConfig(AppConfig):
    name = "aftersales"
    verbose_name = "After-sales"

    def ready(self):
        from . import checks  # noqa: F401 - registers the project's system checks

        # The same hook Django uses to create permissions: role groups must exist in every database
        # that has been migrated, test databases included. It only (re)states configuration.
        post_migrate.connect(_sync_roles_after_migrate, sender=self, dispatch_uid="aftersales.roles_sync")


def _sync_roles_after_migrate(sender, using="default", **kwargs):
    # Imported when migrations have run (post_migrate): the app registry is loaded by then.
    from django.apps import apps as global_apps
    from django.contrib.auth.management import create_permissions

    from .roles import roles_sync  # it reads the auth models: loaded by then too

    # post_migrate reaches apps one by one; make sure every app's permissions exist first.
    for app_config in global_apps.get_app_configs():
        create_permissions(app_config, verbosity=0, using=using, apps=global_apps)
    roles_sync()
