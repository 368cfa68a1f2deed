"""The site's one domain error type."""


class ActionRefused(Exception):
    """A rule refused what a person asked for.

    The message is written for that person and is shown on the page as is
    ("This convening is full: all 20 places are taken.").
    """
