from django.contrib import admin

from .models import Meeting, Pilot, StudyGroup

admin.site.register([Pilot, StudyGroup, Meeting])
