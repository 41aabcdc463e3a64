"""Flask-Talisman's modules as erlen's (see flask_as_erlen.py): erlen keeps
the whole extension in one module, erlen.ext.security."""

MODULES = {
    "flask_talisman": ["erlen.ext.security"],
    "flask_talisman.talisman": ["erlen.ext.security"],
}
