"""Missing episodes: a missing child followed from the report to the return."""
