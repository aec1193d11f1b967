"""Exporters: one module per target family; a registry maps format names to them.

Importing this package registers every exporter, so ``registry()`` is complete wherever
``smtpwizard.core.exporters.base`` is imported from.
"""

from smtpwizard.core.exporters import (  # noqa: F401  (imported to register the formats)
    apple,
    applications,
    outlook,
    sheet,
    system,
    thunderbird,
)
