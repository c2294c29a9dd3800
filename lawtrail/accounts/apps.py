from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "lawtrail.accounts"
    label = "accounts"
    verbose_name = "机构与人员"
