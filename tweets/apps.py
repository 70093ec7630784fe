from django.apps import AppConfig


class TweetsConfig(AppConfig):
    name = "tweets"

    def ready(self):
        # Importing the X client installs its filter that keeps OAuth libraries' DEBUG
        # records (signatures, headers) out of every log, whatever the log level.
        from . import xapi  # noqa: F401
