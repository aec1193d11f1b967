"""Data files shipped with smtpwizard (found through importlib.resources)."""
