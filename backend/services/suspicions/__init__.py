"""Suspicions (docs/contract.md, "Suspicion"): where they go and who must answer
(``routing.py``: sending, and the escalation of an unanswered one), what later records and
network alerts make of them (``matching.py``), and who sees and answers them (``views.py``)."""
