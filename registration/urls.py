from django.urls import path

from . import account_views, views, visa_views

app_name = "registration"

urlpatterns = [
    path("privacy/", views.privacy_notice, name="privacy"),
    path("profile/", views.profile_edit, name="profile"),
    path("profile/sme/", views.profile_sme_choose, name="profile_sme"),
    path("profile/sme/new/", views.sme_declare, name="sme_declare"),
    path("profile/my-data/", account_views.data_download, name="data_download"),
    path("profile/close/", account_views.account_close, name="account_close"),
    path("account-closed/", account_views.account_closed, name="account_closed"),
    path("registrations/", views.registration_list, name="list"),
    path("registrations/new/", views.registration_new, name="new"),
    path("registrations/<int:pk>/cancel/", views.registration_cancel, name="cancel"),
    path("registrations/<int:pk>/list-of-participants/", views.registration_list_consent, name="list_consent"),
    path("registrations/<int:pk>/visa-letter/", visa_views.visa_letter_request, name="visa_request"),
    path(
        "registrations/<int:pk>/visa-letter/<str:reference>.pdf",
        visa_views.visa_letter_download,
        name="visa_letter_download",
    ),
]
