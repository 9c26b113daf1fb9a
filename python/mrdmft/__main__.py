"""``python -m mrdmft ARGS``: the mrdmft command line, run in this process (same commands,
options, messages and exit status as the ``mrdmft`` binary)."""

import signal
import sys

from . import _core


def main() -> None:
    # Ctrl-C ends the process as it ends the binary.
    signal.signal(signal.SIGINT, signal.SIG_DFL)
    sys.stdout.flush()
    sys.exit(_core.main(sys.argv[1:]))


if __name__ == "__main__":
    main()
