"""The package logger. Library code logs; only the CLI writes to the terminal."""

import logging

logger = logging.getLogger("attunement")
logger.addHandler(logging.NullHandler())
