from . import scope3_factor_import_wizard
from . import scope3_inventory_report_wizard
