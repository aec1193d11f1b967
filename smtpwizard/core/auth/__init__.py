"""Signing in: passwords in the keyring, OAuth 2.0 settings, flows and tokens."""
