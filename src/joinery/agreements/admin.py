from django.contrib import admin

from .models import Agreement, AgreementVersion, Amendment, Clause, Comment, Commitment, Signature

for model in (Agreement, AgreementVersion, Amendment, Clause, Comment, Commitment, Signature):
    admin.site.register(model)
