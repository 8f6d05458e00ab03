"""Run pytest under eventlet's monkey patch, as the services run (``nameko test`` does the same).

The gateway's tests must not run under it: keep them in a separate pytest run.
"""

import warnings

warnings.filterwarnings("ignore", message=r"\s*Eventlet is deprecated")

import eventlet  # noqa: E402

eventlet.monkey_patch()

import sys  # noqa: E402

import pytest  # noqa: E402

if __name__ == "__main__":
    sys.exit(pytest.main(sys.argv[1:]))
