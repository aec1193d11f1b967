"""What smtpwizard remembers between runs: the person's settings and choices, written safely."""
