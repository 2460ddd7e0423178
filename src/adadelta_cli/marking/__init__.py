"""Marking: the digit rule a written value is judged by, the catalogue of misconceptions and their replay, and a
sheet's reading, scoring and gradebook."""
