"""Marking: the digit rule (digits), the slips (slips) and a sheet's replay under them (replay, diagnosis), each
cell's verdict (verdicts), the worksheet read and written (sheet), scores and the gradebook (gradebook)."""
