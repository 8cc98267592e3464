"""Domain services: plain functions that take a session and know nothing of Flask.

Entry points own their transaction; helpers named ``db_*`` run inside the caller's and
never commit.
"""
