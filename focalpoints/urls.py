from django.urls import path

from . import views

app_name = "focalpoints"

urlpatterns = [
    # The token is django.core.signing's output: URL-safe base64 and colons, never a slash.
    path("validation/<str:token>/", views.validation_link, name="link"),
    path("focal-point/", views.pending_list, name="pending"),
    path("focal-point/approve/", views.bulk_approve, name="bulk_approve"),
    path("focal-point/registrations/<int:pk>/", views.registration_detail, name="registration"),
    path("focal-point/smes/", views.sme_list, name="smes"),
    path("focal-point/smes/<int:pk>/", views.sme_detail, name="sme"),
    path("focal-point/deputies/", views.deputy_list, name="deputies"),
    path("focal-point/deputies/<int:pk>/end/", views.deputy_end, name="deputy_end"),
]
