"""Domain facts with no storage and no I/O: the contract's vocabularies (``vocab``), the
advisory language check (``language``), retention periods (``retention``) and the demo
partnership (``demo``).

May import: the standard library only (nothing else in ``backend``, no Flask, no SQLAlchemy).
"""
