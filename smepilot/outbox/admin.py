from django.contrib import admin

from .models import OutgoingMessage

admin.site.register(OutgoingMessage)
