"""Load the plain-Python cores of the add-ons without importing Odoo.

The add-ons' ``__init__.py`` import their Odoo models, so ``scope3_carbon/core`` and
``scope3_carbon_agents/core`` are loaded here from their folders as ``scope3_core`` and
``scope3_agents_core``; the tests then check that no Odoo module was imported.
"""

import importlib.util
import pathlib
import sys

ROOT = pathlib.Path(__file__).resolve().parent.parent


def _load_package(name, folder):
    """Load ``folder`` as the package ``name`` without running its add-on's __init__."""
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(
        name, folder / "__init__.py", submodule_search_locations=[str(folder)]
    )
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


_load_package("scope3_core", ROOT / "scope3_carbon" / "core")
_load_package("scope3_agents_core", ROOT / "scope3_carbon_agents" / "core")
