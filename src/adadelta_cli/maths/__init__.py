"""The mathematics: the step's description (recurrence), its settings and presets, the engine that runs it (numpy,
plain Python, the optional compiled kernel) and the arithmetic conventions it can follow (fused multiply-add,
float32/float16/bfloat16). No input or output, no Typer, no Rich."""
