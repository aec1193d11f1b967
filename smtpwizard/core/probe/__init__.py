"""Probing: talks to each candidate for real (SMTP, IMAP, POP3), stage by stage, and records
what happened; the matrix runs many candidates at once.
"""
