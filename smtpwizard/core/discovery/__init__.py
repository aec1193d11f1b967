"""Discovery: from an address to the candidate servers (provider knowledge, DNS, autoconfig,
what the person typed) and how each wants to be signed in to.
"""
