from . import test_factor_set
from . import test_purchase_attribution
from . import test_ledger_integrity
from . import test_outbox
from . import test_security
from . import test_factor_library
from . import test_resolution_chain
from . import test_three_way_matching
