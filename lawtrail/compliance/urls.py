from django.urls import path

from lawtrail.compliance import views

urlpatterns = [
    path("compliance/", views.findings_page, name="compliance_findings"),
    path("compliance/coverage/", views.coverage_page, name="compliance_coverage"),
    path("compliance/agency/", views.agency_page, name="compliance_agency"),
    path("compliance/cases/<int:pk>/lapse/<str:kind>/", views.lapse_step, name="compliance_lapse"),
]
