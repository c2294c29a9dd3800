from django.db import models


class Role(models.TextChoices):
    OFFICER = "officer", "执法人员"
    HANDLER = "handler", "承办人"
    LEGAL_REVIEWER = "legal_reviewer", "法制审核人员"
    HEAD = "head", "负责人"
    ARCHIVIST = "archivist", "档案管理员"
    SUPERVISOR = "supervisor", "监督人员"
    ADMIN = "admin", "系统管理员"


# Roles whose work spans every unit of the agency: they see all of its cases.
AGENCY_WIDE_ROLES = {Role.LEGAL_REVIEWER, Role.ARCHIVIST, Role.SUPERVISOR, Role.ADMIN}
