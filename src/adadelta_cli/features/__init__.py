"""The tool's jobs between the maths and the command line: trace and step, compare, diff, optimize, worksheets,
the lesson page, figures and the interactive walk."""
