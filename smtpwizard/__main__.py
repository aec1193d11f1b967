"""``python -m smtpwizard``: the wizard without arguments, the command line with them."""

from smtpwizard.cli import main

raise SystemExit(main())
