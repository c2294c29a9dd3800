from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "lawtrail.accounts"
    label = "accounts"
    verbose_name = "机构与人员"

    def ready(self) -> None:
        from lawtrail.accounts.models import Agency, RoleGrant, Unit, User
        from lawtrail.events.state import track

        # Domain records: each change is frozen into the event of the action that made it (API tokens
        # and failed logins are not: their use is counted, not acted on; nor is a user's last login,
        # which Django stamps at sign-in and auth.login events record).
        track(Agency, RoleGrant, Unit)
        track(User, ignore=("last_login",))
