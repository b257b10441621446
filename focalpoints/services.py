"""Focal-point work: notifying them, their decisions, the SME eligibility they confirm.

Interim: the notification hooks below are called by registration.services and are filled in by
the focal-point validation work (issue 4). Signatures are the contract; keep them.
"""


def registrations_notify_focal_points(*, registrations) -> None:
    """Email every active focal point of the registrations' Administration (one email per batch)."""


def registration_cancelled_notify_focal_points(*, registration) -> None:
    """Tell the focal points that a validated registration was cancelled by its registrant."""
