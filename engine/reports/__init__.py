"""Reports and exports: the report model, charts, HTML (jinja2 templates) and PDF (fpdf2)
renderers, and CSV/JSON exports of taps, tasks and sessions. Reads the store; draws nothing
on screen.
"""
