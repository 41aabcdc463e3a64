"""Flask-Login's modules as erlen's (see flask_as_erlen.py)."""

MODULES = {
    "flask_login": ["erlen.ext.login"],
    "flask_login.__about__": ["erlen.ext.login.__about__"],
    "flask_login.config": ["erlen.ext.login.config"],
    "flask_login.login_manager": ["erlen.ext.login.manager"],
    "flask_login.mixins": ["erlen.ext.login.mixins"],
    "flask_login.signals": ["erlen.ext.login.signals"],
    "flask_login.test_client": ["erlen.ext.login.testing"],
    # _user_context_processor lives beside the manager in erlen.
    "flask_login.utils": ["erlen.ext.login.utils", "erlen.ext.login.manager"],
}
