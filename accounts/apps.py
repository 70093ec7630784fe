from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "accounts"

    def ready(self):
        # Importing the X client installs its filter that keeps OAuth libraries' DEBUG
        # records (signatures, headers) out of every log, whatever the log level.
        import xapi.client  # noqa: F401
