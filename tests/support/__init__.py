"""Real servers on loopback for the tests and benchmarks: SMTP (aiosmtpd), raw TCP, HTTP."""
