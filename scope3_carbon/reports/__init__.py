from . import scope3_inventory_report
from . import report_scope3_inventory
