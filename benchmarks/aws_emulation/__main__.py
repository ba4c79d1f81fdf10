"""`python -m benchmarks.aws_emulation --upstream URL`: the emulation in front of a moto server."""

import sys

from benchmarks.aws_emulation.emulation import main

sys.exit(main())
