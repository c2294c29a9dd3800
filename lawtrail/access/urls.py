from django.urls import path

from lawtrail.access import views

urlpatterns = [
    path("access/", views.access_home, name="access_home"),
    path("access/requests/new/", views.request_new, name="access_request_new"),
    path("access/requests/<int:pk>/", views.request_detail, name="access_request_detail"),
    path("access/requests/<int:pk>/decide/", views.request_decide, name="access_request_decide"),
    path("access/requests/<int:pk>/revoke/", views.request_revoke, name="access_request_revoke"),
    path("access/requests/<int:pk>/share/", views.share_new, name="access_share_new"),
    path("access/requests/<int:pk>/<str:kind>/<int:item>/copy", views.grant_copy, name="access_grant_copy"),
    path("access/prints/<str:token>/", views.print_page, name="access_print"),
    path("access/register/", views.register_page, name="access_register"),
    path("access/marks/<str:kind>/<int:pk>/", views.marks_page, name="access_marks"),
    path("access/marks/<int:pk>/lift/", views.mark_lift, name="access_mark_lift"),
    path("access/shares/", views.shares_page, name="access_shares"),
    path("access/shares/<int:pk>/revoke/", views.share_revoke, name="access_share_revoke"),
    path("access/shares/<int:pk>/receipt.pdf", views.share_receipt, name="access_share_receipt"),
    path("s/<str:token>/", views.public_share, name="public_share"),
    path("s/<str:token>/receipt.pdf", views.public_share_receipt, name="public_share_receipt"),
    path("s/<str:token>/<str:kind>/<int:item>", views.public_share_item, name="public_share_item"),
]
