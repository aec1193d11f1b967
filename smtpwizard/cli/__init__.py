"""The command line: one module per command; ``main`` in :mod:`smtpwizard.cli.main` reads
the arguments and hands over to the command's module, which alone is imported.
"""
