"""What the person who raised a concern (its referrer) may read of what followed it.

A referrer's need to know is their own concern and what became of it, nothing more
(docs/architecture.md, "The security model"): where it was routed and escalated, but not
the pattern alerts it joined (which tell of other concerns about the child); the addenda of
their own agency, but another agency's only where its author marked it for them
(``for_referrer``, proven inside the sealed addendum, so the server cannot set it after the
fact).
"""

from __future__ import annotations

from backend.core.jsontext import Document
from backend.models import Addendum, Concern, Delivery

RE_REFERRAL_CAUSE = "re_referral"  # ``re_referral.RE_REFERRAL``: named here, below it


def for_referrer(concern: Concern, addendum: Addendum, body: Document) -> bool:
    """Whether the concern's recorder may read this addendum (``body``: the opened document)."""
    return (
        addendum.author_agency_id == concern.recorder_agency_id or body.get("for_referrer") is True
    )


def told_referrer(delivery: Delivery) -> bool:
    """Whether the concern's recorder is shown this delivery of it (and its escalations):
    routed, but never one made by a pattern alert, nor a re-referral (which tells that an
    inbox decided about the child before)."""
    return delivery.alert_id is None and delivery.cause != RE_REFERRAL_CAUSE
