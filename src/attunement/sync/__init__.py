"""Synchrony measures, one module per family (see DESIGN.md). The public names are
re-exported from :mod:`attunement`."""
