"""The one exception type users see: its message is printed as a single line by the CLI."""


class GankitError(Exception):
    """A problem with the user's input or files, explained in one line (what was wrong, what to do)."""

    exit_code = 1


class Interrupted(GankitError):
    """The user stopped a long job (Ctrl-C) after its state was saved."""

    exit_code = 130
