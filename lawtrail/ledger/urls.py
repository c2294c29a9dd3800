from django.urls import path

from lawtrail.ledger import views

urlpatterns = [
    path("ledger/cases/<int:pk>/", views.case_history, name="ledger_case_history"),
    path("ledger/objects/<str:object_type>/<str:object_id>/", views.object_history, name="ledger_object_history"),
    path("ledger/entries/<int:seq>/verify/", views.entry_verify, name="ledger_entry_verify"),
    path("ledger/entries/<int:seq>/proof.json", views.entry_proof, name="ledger_entry_proof"),
]
