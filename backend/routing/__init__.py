"""Routing: the partnership's rules, deadlines and working-day calendar."""
