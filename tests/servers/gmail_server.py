#!/usr/bin/env python3
"""Gmail-emulating IMAP test server for skua (standard library only).

    python3 tests/servers/gmail_server.py --host 127.0.0.1 --port 0 --port-file FILE \
        [--tls-port 0 --tls-port-file FILE2 --cert CERT.pem --key KEY.pem] \
        [--control-port-file FILE3] --messages N [--seed S] --user USER --password PASS \
        [--oauth-token TOKEN] [--log FILE]

See gmailsim/__init__.py for what is emulated and where it deviates from
Gmail, and gmail_client.py for the control-hook protocol.
"""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from gmailsim.server import main  # noqa: E402

if __name__ == '__main__':
    sys.exit(main())
