from django.urls import path, re_path

from lawtrail.cases import views

urlpatterns = [
    path("cases/", views.case_list, name="case_list"),
    path("cases/new/", views.case_new, name="case_new"),
    path("cases/<int:pk>/", views.case_detail, name="case_detail"),
    # Only the step kinds the case page posts, so other apps' cases/<pk>/… pages are not swallowed.
    re_path(r"^cases/(?P<pk>[0-9]+)/(?P<kind>approval|move|decision|service|service_proof|follow_up|follow_up_due|officers)/$", views.case_step,
            name="case_step"),
    path("complaints/", views.complaint_list, name="complaint_list"),
    path("complaints/new/", views.complaint_new, name="complaint_new"),
    path("complaints/<int:pk>/", views.complaint_detail, name="complaint_detail"),
    path("inspections/", views.inspection_list, name="inspection_list"),
    path("inspections/new/", views.inspection_new, name="inspection_new"),
    path("inspections/<int:pk>/", views.inspection_detail, name="inspection_detail"),
    path("simple/new/", views.simple_new, name="simple_new"),
    path("parties/", views.party_list, name="party_list"),
    path("parties/new/", views.party_new, name="party_new"),
]
