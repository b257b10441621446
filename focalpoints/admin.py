from django.contrib import admin

from .models import Administration, FocalPoint

admin.site.register([Administration, FocalPoint])
