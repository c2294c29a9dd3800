from django.apps import AppConfig


class ProfilesConfig(AppConfig):
    name = "lawtrail.profiles"
    label = "profiles"
    verbose_name = "规范配置"
