"""``python -m cshealth``: the same as the ``cshealth`` command."""

import sys

from cshealth.cli import main

if __name__ == "__main__":
    sys.exit(main())
