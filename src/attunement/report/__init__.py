"""Figures (matplotlib, taking result objects) and self-contained HTML reports."""
