"""Troubleshooting: a failing setup taken through the conversation step by step, compared
with what works, and written up as a support report.
"""
