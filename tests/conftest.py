"""Load the plain-Python calculation core of scope3_carbon without importing Odoo.

``scope3_carbon/__init__.py`` imports the Odoo models, so the core package is loaded
here from its folder under the name ``scope3_core``; the tests then check that no Odoo
module was imported along the way.
"""

import importlib.util
import pathlib
import sys

CORE_DIR = pathlib.Path(__file__).resolve().parent.parent / "scope3_carbon" / "core"


def _load_core():
    if "scope3_core" in sys.modules:
        return sys.modules["scope3_core"]
    spec = importlib.util.spec_from_file_location(
        "scope3_core",
        CORE_DIR / "__init__.py",
        submodule_search_locations=[str(CORE_DIR)],
    )
    module = importlib.util.module_from_spec(spec)
    sys.modules["scope3_core"] = module
    spec.loader.exec_module(module)
    return module


_load_core()


AGENTS_CORE_DIR = pathlib.Path(__file__).resolve().parent.parent / "scope3_carbon_agents" / "core"


def _load_agents_core():
    """Load scope3_carbon_agents/core as ``scope3_agents_core`` (same way, no Odoo)."""
    if "scope3_agents_core" in sys.modules:
        return sys.modules["scope3_agents_core"]
    spec = importlib.util.spec_from_file_location(
        "scope3_agents_core",
        AGENTS_CORE_DIR / "__init__.py",
        submodule_search_locations=[str(AGENTS_CORE_DIR)],
    )
    module = importlib.util.module_from_spec(spec)
    sys.modules["scope3_agents_core"] = module
    spec.loader.exec_module(module)
    return module


_load_agents_core()
