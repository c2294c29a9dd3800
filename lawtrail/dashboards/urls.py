from django.urls import path

from lawtrail.dashboards import views

urlpatterns = [
    path("dashboards/", views.dashboard, name="dashboard"),
    path("dashboards/cases/", views.drill, name="dashboard_drill"),
    path("dashboards/export.xlsx", views.export_xlsx, name="dashboard_xlsx"),
    path("dashboards/report.pdf", views.export_pdf, name="dashboard_pdf"),
    path("dashboards/plotly-<str:version>.min.js", views.plotly_js, name="dashboard_plotly"),
]
