from django.urls import path

from lawtrail.retention import views

urlpatterns = [
    path("retention/due/", views.due_list, name="retention_due"),
    path("retention/disposals/", views.disposal_list, name="disposal_list"),
    path("retention/disposals/<int:pk>/", views.disposal_detail, name="disposal_detail"),
    path("retention/disposals/<int:pk>/<str:step>/", views.disposal_step, name="disposal_step"),
    path("retention/records/<int:pk>/", views.disposal_record, name="disposal_record"),
    path("retention/evidence/<int:pk>/", views.evidence_retention, name="evidence_retention"),
    path("retention/cases/<int:pk>/", views.case_retention, name="case_retention"),
    path("retention/holds/<int:pk>/release/", views.release_hold, name="retention_release"),
    path("retention/<str:what>/<int:pk>/<str:step>/", views.retention_step, name="retention_step"),
]
