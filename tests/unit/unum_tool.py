# Loads tools/unum (a script without .py) as a module for the
# tests/unit/test_unum_*.py tests; not a test itself.

import importlib.machinery
import importlib.util
import os

PATH = os.path.join(os.path.dirname(os.path.abspath(__file__)),
                    "..", "..", "tools", "unum")


def load():
    loader = importlib.machinery.SourceFileLoader("unum_tool_cli", PATH)
    spec = importlib.util.spec_from_loader(loader.name, loader)
    mod = importlib.util.module_from_spec(spec)
    loader.exec_module(mod)
    return mod
