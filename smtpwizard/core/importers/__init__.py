"""Importers: one module per source format (mail programs' and applications' settings),
all read into the same account record.
"""
