from django.urls import path

from lawtrail.devices import views

urlpatterns = [
    path("devices/", views.device_list, name="device_list"),
    path("devices/new/", views.device_new, name="device_new"),
    path("devices/<int:pk>/", views.device_detail, name="device_detail"),
    path("devices/<int:pk>/<str:step>/", views.device_step, name="device_step"),
]
