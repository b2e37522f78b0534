from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "joinery.api"
    label = "joinery_api"
    verbose_name = "API"
