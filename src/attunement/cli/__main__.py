"""``python -m attunement.cli``: the same as the ``attune`` command."""

from . import main

main()
