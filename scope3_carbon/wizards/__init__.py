from . import scope3_factor_import_wizard
