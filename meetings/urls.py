from django.urls import path

from . import views

app_name = "meetings"

urlpatterns = [
    path("meetings/", views.meeting_list, name="list"),
    path("meetings/<int:pk>/participants/", views.meeting_participant_list, name="participants"),
]
