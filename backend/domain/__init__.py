"""Domain facts with no storage and no I/O: the contract's vocabularies (``vocab``), the
advisory language check (``language``), retention periods (``retention``) and the demo
partnership (``demo``).

May import: ``backend.models`` (the demo names roles and agency kinds by their enums) and
the standard library. Never Flask, services or anything above them.
"""
