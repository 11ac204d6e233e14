from django.apps import AppConfig


class ParakeetConfig(AppConfig):
    name = "parakeet"
    verbose_name = "Parakeet platform"
