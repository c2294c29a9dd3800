from django.urls import path

from lawtrail.accountability import views

urlpatterns = [
    path("accountability/", views.record_list, name="accountability_list"),
    path("accountability/new/", views.record_new, name="accountability_new"),
]
