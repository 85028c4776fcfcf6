from django.apps import AppConfig


class AgenciesConfig(AppConfig):
    name = "backend.agencies"
    label = "agencies"
