from django.apps import AppConfig


class ComplaintsConfig(AppConfig):
    name = "backend.complaints"
    label = "complaints"
