# Puts tools/ on sys.path so the tests/unit/test_unum_*.py tests can import
# the tools/unum package (tools/pyunum/) as the launcher does; PATH is the
# launcher itself. Not a test itself.

import os
import sys

TOOLS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..",
                     "tools")
PATH = os.path.join(TOOLS, "unum")
sys.path.insert(0, TOOLS)
