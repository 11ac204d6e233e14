from django.apps import AppConfig


class ParakeetConfig(AppConfig):
    name = "parakeet"
    verbose_name = "Parakeet platform"

    def ready(self) -> None:
        # Registration side effects: auth system checks and the OpenAPI security schemes.
        from parakeet import schema  # noqa: F401
        from parakeet.auth import checks  # noqa: F401
