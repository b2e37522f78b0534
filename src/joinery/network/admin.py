from django.contrib import admin

from .models import CharterVersion, Decision, Invitation, Partner, Partnership, Position

for model in (Partnership, Partner, Invitation, CharterVersion, Decision, Position):
    admin.site.register(model)
