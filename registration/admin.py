from django.contrib import admin

from .models import SME, ParticipantProfile, Registration

admin.site.register([SME, ParticipantProfile, Registration])
