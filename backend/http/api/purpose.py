"""The purpose of a read, from the query string of any view that opens records."""

from backend.http.api.common import query_args
from backend.schemas.purpose import PurposeArgsSchema
from backend.services.concerns.purposes import Purpose, purpose_of


def purpose_args() -> Purpose:
    """``?purpose=<code>&purpose_note=<words>``: 400 ``concern.purpose_*`` when wrong."""
    args = query_args(PurposeArgsSchema())
    return purpose_of(args.get("purpose"), args.get("purpose_note"))
