from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "accounts"

    def ready(self):
        # Connects the post_save hook that forgets a saved user's Redis copy (password, admin edits).
        from accounts import usercache  # noqa: F401
