"""compare's optimizers under their former home's names (features/comparing.py and maths/family.py hold them)."""

from adadelta_cli.features.comparing import (
    DEFAULTS,
    NAMES,
    SCALAR_PARAMETERS,
    STEPS1,
    Optimizer,
    parse_sets,
    parse_with,
    run,
)

__all__ = ["DEFAULTS", "NAMES", "SCALAR_PARAMETERS", "STEPS1", "Optimizer", "parse_sets", "parse_with", "run"]
