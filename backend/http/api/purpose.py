"""The purpose of a read, from the query string of any view that opens records."""

from backend.core.errors import Malformed
from backend.http.api.common import query_args
from backend.schemas.purpose import PurposeArgsSchema
from backend.services.concerns.purposes import Purpose, purpose_of


def purpose_args(*, notes: bool = True) -> Purpose:
    """``?purpose=<code>&purpose_note=<words>``: 400 ``concern.purpose_*`` when wrong.

    ``notes=False`` for records that keep no reader's note (a profile, a suspicion: the
    sealed notes belong to concerns): a note there is refused rather than dropped, and with
    it ``other``, which needs one."""
    args = query_args(PurposeArgsSchema())
    purpose = purpose_of(args.get("purpose"), args.get("purpose_note"))
    if purpose.note is not None and not notes:
        raise Malformed(
            "concern.purpose_note_not_kept",
            "This record keeps no note with a read: give another purpose, without a note.",
        )
    return purpose
