from django.urls import path

from lawtrail.evidence import views

urlpatterns = [
    path("evidence/", views.evidence_list, name="evidence_list"),
    path("evidence/upload/", views.evidence_upload, name="evidence_upload"),
    path("evidence/interruptions/", views.interruption_list, name="evidence_interruptions"),
    path("evidence/stops/", views.stop_list, name="evidence_stops"),
    path("evidence/reception/", views.reception_list, name="evidence_reception"),
    path("evidence/reception/report/", views.reception_report, name="evidence_reception_report"),
    path("evidence/footage/<int:case_pk>/", views.link_footage, name="evidence_link_footage"),
    path("evidence/<int:pk>/", views.evidence_detail, name="evidence_detail"),
    path("evidence/<int:pk>/original", views.evidence_original, name="evidence_original"),
    path("evidence/<int:pk>/preview", views.evidence_preview, name="evidence_preview"),
    path("evidence/<int:pk>/thumbnail", views.evidence_thumbnail, name="evidence_thumbnail"),
    path("evidence/<int:pk>/<str:kind>/", views.evidence_step, name="evidence_step"),
]
