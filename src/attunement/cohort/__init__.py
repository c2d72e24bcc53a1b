"""Cohorts: many sessions in parallel into one queryable store, and change across sessions."""

from .project import Project, load_project
from .run import BatchResult, content_hash, run_batch
from .store import Store

__all__ = ["BatchResult", "Project", "Store", "content_hash", "load_project", "run_batch"]
