"""How often the process's cyclic garbage collector runs: less often than Python's default.

Python looks for reference cycles after every 700 new objects, and every tenth look at the middle generation
walks the whole heap. An audit allocates millions of short-lived objects (botocore's requests, parsed
replies) while its results, and in an organization every account's, stay alive to the end; the sandbox's
and the benchmarks' moto servers hold an account's whole state. With the default, those walks of a growing
heap were a third of the CPU of a 7-account audit (benchmarks/org_audit_speed.py: 3.7 s of 10.2 s).
Reference counting still frees almost everything at once; cycles wait a little longer.
"""

from __future__ import annotations

import gc

COLLECT_AFTER_ALLOCATIONS = 50_000  # Python's default: 700


def collect_garbage_less_often() -> None:
    """For a whole process (a command line run, a server): call once, at its start."""
    gc.set_threshold(COLLECT_AFTER_ALLOCATIONS, *gc.get_threshold()[1:])
