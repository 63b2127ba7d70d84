"""Errors a user can fix. The CLI prints their message on one line and exits non-zero."""


class UserError(Exception):
    """Bad input or environment: the message says what is wrong and what to do."""
