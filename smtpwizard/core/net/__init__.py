"""The network underneath: addresses, name lookups, DNS, connections with time limits and
cancelling, TLS trust, HTTPS fetching.
"""

__all__ = ["MAX_BYTES"]

#: Most bytes one connection may receive; no SMTP conversation we hold needs more. (Here,
#: so that options can name it without loading sockets and TLS.)
MAX_BYTES = 256 * 1024
