# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from . import test_core, test_footprint_versions, test_host_api, test_events, test_client_pull
from . import test_confidentiality
