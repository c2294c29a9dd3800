from django.urls import include, path

from lawtrail.accounts import views as account_views
from lawtrail.web import health, views

urlpatterns = [
    path("login/", account_views.login_view, name="login"),
    path("logout/", account_views.logout_view, name="logout"),
    path("oversight/", account_views.oversight_page, name="oversight"),
    path("oversight/<int:pk>/revoke/", account_views.oversight_revoke, name="oversight_revoke"),
    path("healthz", health.healthz, name="healthz"),
    path("", views.home, name="home"),
    path("inbox/", views.inbox_page, name="inbox"),
    # Before the cases' URLs: their cases/<pk>/<kind>/ would otherwise take cases/<pk>/documents/.
    path("", include("lawtrail.documents.urls")),
    path("", include("lawtrail.cases.urls")),
    path("", include("lawtrail.evidence.urls")),
    path("", include("lawtrail.ledger.urls")),
    path("", include("lawtrail.retention.urls")),
    path("", include("lawtrail.archive.urls")),
    path("", include("lawtrail.access.urls")),
    path("", include("lawtrail.compliance.urls")),
    path("", include("lawtrail.search.urls")),
    path("", include("lawtrail.notices.urls")),
    path("", include("lawtrail.devices.urls")),
    path("", include("lawtrail.registers.urls")),
    path("", include("lawtrail.dashboards.urls")),
    path("", include("lawtrail.review.urls")),
    path("", include("lawtrail.accountability.urls")),
]
