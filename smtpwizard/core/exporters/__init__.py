"""Exporters: one module per target family; a registry maps format names to them.

Importing this package registers every exporter, so ``registry()`` is complete wherever
``smtpwizard.core.exporters.base`` is imported from.
"""

from smtpwizard.core.exporters import apple  # noqa: F401  (imported to register the formats)
from smtpwizard.core.exporters import applications  # noqa: F401  (imported to register the formats)
from smtpwizard.core.exporters import frameworks  # noqa: F401  (imported to register the formats)
from smtpwizard.core.exporters import outlook  # noqa: F401  (imported to register the formats)
from smtpwizard.core.exporters import php  # noqa: F401  (imported to register the formats)
from smtpwizard.core.exporters import sheet  # noqa: F401  (imported to register the formats)
from smtpwizard.core.exporters import system  # noqa: F401  (imported to register the formats)
from smtpwizard.core.exporters import thunderbird  # noqa: F401  (imported to register the formats)
