"""Formats: reading gradients (files, standard input, arguments), the document model, and the one writer of each
output format (terminal tables, Markdown, CSV, JSON, LaTeX, HTML/MathML, QTI)."""
