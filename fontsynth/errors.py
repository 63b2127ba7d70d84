"""Errors a user can fix. The CLI prints their message on one line and exits non-zero."""


class UserError(Exception):
    """Bad input or environment: the message says what is wrong and what to do."""


def user_message(error: UserError) -> str:
    """What the CLI prints of `error`: its message; for one a DataLoader worker raised (torch
    raises it again in the main process as "Caught UserError in DataLoader worker process N.
    Original Traceback ...", the worker's traceback around the message), the message alone."""
    text = str(error)
    marker = f"{UserError.__name__}: "
    if text.startswith("Caught ") and marker in text:
        return text.rsplit(marker, 1)[1].strip()
    return text
